#!/usr/bin/env python3
"""Builds algolia_comments_25015967.json: Algolia search_by_date comment hits made from the real
comment tree of HN story 25015967 (hackernews-api-fixtures/hnpwa_item_25015967_thread.json).
Ids, authors, times, parents and HTML text are the recorded ones; the hit shape (field names,
_tags, _highlightResult) follows the recorded Algolia response algolia_search_tim_cook_page1.json.
The 300 newest comments are kept, newest first. Run:
    python3 make_fixtures.py /work/shared/data
"""
import json, os, sys
from datetime import datetime, timezone

data = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
t = json.load(open(os.path.join(data, "fixtures/hackernews-api-fixtures/hnpwa_item_25015967_thread.json")))
hits = []
def walk(node, parent):
    for c in node.get("comments", []):
        if c.get("user") and c.get("content"):
            hits.append({
                "created_at": datetime.fromtimestamp(c["time"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "title": None, "url": None, "author": c["user"], "points": None, "story_text": None,
                "comment_text": c["content"], "num_comments": None, "story_id": t["id"],
                "story_title": t["title"], "story_url": t["url"], "parent_id": parent,
                "created_at_i": c["time"],
                "_tags": ["comment", "author_" + c["user"], "story_%d" % t["id"]],
                "objectID": str(c["id"]),
                "_highlightResult": {"author": {"value": c["user"], "matchLevel": "none", "matchedWords": []}},
            })
        walk(c, c["id"])
walk(t, t["id"])
hits.sort(key=lambda h: (h["created_at_i"], int(h["objectID"])), reverse=True)
hits = hits[:300]
out = {"hits": hits, "nbHits": len(hits), "page": 0, "nbPages": 1, "hitsPerPage": len(hits),
       "exhaustiveNbHits": True, "query": "", "params": "", "processingTimeMS": 1}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "algolia_comments_25015967.json"), "w") as f:
    json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
    f.write("\n")

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

# algolia_item_25015967.json: the same recorded tree in the layout of the HN Algolia Items API
# (/api/v1/items/ID: the item with its replies nested in "children"), cut to the story and five
# of its top-level comment threads (three start by naming Biden, one names him only deeper
# down, one never does). The story's own text is left out: the recording holds another post's
# text there (see the fixtures' README).
KEEP = [25017489, 25017345, 25017349, 25017985, 25017970]
def item(c, parent):
    return {
        "id": c["id"], "created_at": datetime.fromtimestamp(c["time"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
        "created_at_i": c["time"], "type": "comment", "author": c.get("user"), "title": None, "url": None,
        "text": c.get("content"), "points": None, "parent_id": parent, "story_id": t["id"], "options": [],
        "children": [item(k, c["id"]) for k in c.get("comments", [])],
    }
story = {
    "id": t["id"], "created_at": datetime.fromtimestamp(t["time"], timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
    "created_at_i": t["time"], "type": "story", "author": t["user"], "title": t["title"], "url": t["url"],
    "text": None, "points": t["points"], "parent_id": None, "story_id": t["id"], "options": [],
    "children": [item(c, t["id"]) for c in t["comments"] if c["id"] in KEEP],
}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "algolia_item_25015967.json"), "w") as f:
    json.dump(story, f, ensure_ascii=False, separators=(",", ":"))
    f.write("\n")

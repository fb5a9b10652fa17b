#!/usr/bin/env python3
"""Builds the Reddit API listing pages under testdata/api/ from real recorded data.

Shapes: go-reddit's recorded listings (reddit-api-fixtures/subreddit/posts.json for t3,
user/comments.json for t1), every field kept. Content: real r/ollama and r/LocalLLaMA posts
(reddit-atom-feed-snapshots/entries_*.jsonl) and real Reddit comments (GoEmotions
raw_goemotions_1_head.csv). Only id/name/title/text/author/subreddit/time/permalink are
replaced in the template objects. Run from the repository root:
    python3 collectors/reddit/testdata/make_fixtures.py /work/shared/data
"""
import copy, csv, html, json, os, re, sys
from datetime import datetime

data = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
fx = os.path.join(data, "fixtures")
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "api")
os.makedirs(out, exist_ok=True)

def b36(s):
    return int(s, 36)

post_tmpl = json.load(open(os.path.join(fx, "reddit-api-fixtures/subreddit/posts.json")))["data"]["children"][1]
comment_tmpl = json.load(open(os.path.join(fx, "reddit-api-fixtures/user/comments.json")))["data"]["children"][0]

def text_of(h):
    h = re.sub(r"<!-- SC_(ON|OFF) -->", "", h)
    h = re.sub(r"submitted by .*$", "", h, flags=re.S)
    h = re.sub(r"<[^>]+>", " ", h)
    return re.sub(r"\s+", " ", html.unescape(h)).strip()

def post(e, i):
    c = copy.deepcopy(post_tmpl)
    d = c["data"]
    pid = e["id"][3:]
    ts = int(datetime.fromisoformat(e["published"]).timestamp())
    sub = e["subreddit"]
    m = re.search(r"/comments/[a-z0-9]+/([^/]+)/", e["link"])
    slug = m.group(1) if m else "post"
    d.update({
        "id": pid, "name": e["id"], "title": e["title"], "selftext": text_of(e["content_html"]),
        "selftext_html": None, "author": e["author"].removeprefix("/u/"), "author_fullname": "t2_%s" % pid,
        "subreddit": sub, "subreddit_name_prefixed": "r/" + sub, "created": ts, "created_utc": ts,
        "permalink": "/r/%s/comments/%s/%s/" % (sub, pid, slug),
        "url": "https://www.reddit.com/r/%s/comments/%s/%s/" % (sub, pid, slug),
        "is_self": True, "post_hint": None, "domain": "self." + sub, "score": (i * 7) % 50, "ups": (i * 7) % 50,
        "num_comments": i % 13, "preview": None, "thumbnail": "self", "url_overridden_by_dest": None,
    })
    return c

def comment(r, i):
    c = copy.deepcopy(comment_tmpl)
    d = c["data"]
    ts = int(float(r["created_utc"]))
    d.update({
        "id": r["id"], "name": "t1_" + r["id"], "body": r["text"], "body_html": None, "author": r["author"],
        "author_fullname": "t2_" + r["id"], "subreddit": r["subreddit"], "subreddit_name_prefixed": "r/" + r["subreddit"],
        "link_id": r["link_id"], "parent_id": r["parent_id"], "created": ts, "created_utc": ts,
        "permalink": "/r/%s/comments/%s/comment/%s/" % (r["subreddit"], r["link_id"][3:], r["id"]),
        "link_permalink": "https://www.reddit.com/r/%s/comments/%s/" % (r["subreddit"], r["link_id"][3:]),
        "score": (i * 3) % 20, "ups": (i * 3) % 20,
    })
    return c

def listing(children, after):
    return {"kind": "Listing", "data": {"modhash": None, "dist": len(children), "children": children,
                                        "after": after, "geo_filter": "", "before": None}}

def dump(name, obj):
    with open(os.path.join(out, name), "w") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")

def pages(prefix, things, size=100):
    for n in range(0, len(things), size):
        page = things[n:n + size]
        more = n + size < len(things)
        dump("%s_p%d.json" % (prefix, n // size + 1), listing(page, page[-1]["data"]["name"] if more else None))

# New posts: 260 consecutive real r/ollama posts, newest first.
entries = [json.loads(l) for l in open(os.path.join(fx, "reddit-atom-feed-snapshots/entries_ollama.jsonl"))]
entries = [e for e in entries if re.fullmatch(r"t3_[a-z0-9]+", e["id"])]
entries.sort(key=lambda e: b36(e["id"][3:]), reverse=True)
posts = [post(e, i) for i, e in enumerate(entries[:260])]
# t0: the listing as the first poll sees it (the newest 110 do not exist yet); t1: later.
pages("new_t0", posts[110:260])
pages("new_t1", posts[0:260])

# Comments: 150 real comments by id, newest first; t0 lacks the newest 30.
rows = list(csv.DictReader(open(os.path.join(data, "goemotions/raw_goemotions_1_head.csv"))))
seen, uniq = set(), []
for r in rows:
    if r["id"] not in seen and r["text"].strip():
        seen.add(r["id"]); uniq.append(r)
uniq.sort(key=lambda r: b36(r["id"]), reverse=True)
comments = [comment(r, i) for i, r in enumerate(uniq[:150])]
pages("comments_t0", comments[30:150])
pages("comments_t1", comments[0:150])

# Search: real r/LocalLLaMA posts that name Ollama, newest first.
ll = [json.loads(l) for l in open(os.path.join(fx, "reddit-atom-feed-snapshots/entries_LocalLLaMA.jsonl"))]
ll = [e for e in ll if re.fullmatch(r"t3_[a-z0-9]+", e["id"])]
hits = [e for e in ll if "ollama" in (e["title"] + e["content_html"]).lower()]
hits.sort(key=lambda e: b36(e["id"][3:]), reverse=True)
found = [post(e, i) for i, e in enumerate(hits[:25])]
dump("search_ollama_t0.json", listing(found[5:25], None))
dump("search_ollama_t1.json", listing(found[0:25], None))

# /api/info: one post intact, one deleted by its author, one removed by moderators, one
# comment deleted; the fifth id asked for is missing from the answer (purged at Reddit).
info = copy.deepcopy(posts[200:203]) + copy.deepcopy(comments[100:102])
info[1]["data"].update({"author": "[deleted]", "selftext": "[deleted]"})
info[2]["data"].update({"selftext": "[removed]", "removed_by_category": "moderator"})
info[3]["data"].update({"author": "[deleted]", "body": "[deleted]"})
dump("info.json", listing(info[:4], None))
with open(os.path.join(out, "info_ids.txt"), "w") as f:
    f.write(",".join(t["data"]["name"] for t in info) + "\n")

# A thread outside the followed subreddits: /comments/<id> as Reddit answers it, a 2-element
# array [Listing of the post, Listing of the comment tree] in the shape of go-reddit's recorded
# post/post.json (t1 objects with nested "replies" Listings, "" when there are none). The post
# is the newest search hit of t0; the replies are real Reddit comments (GoEmotions) that do not
# name Ollama. Tree at t0: a chain four replies deep, two more top-level comments, one with a
# reply, and a "more" stub; t1 adds one reply.
thread_tmpl = json.load(open(os.path.join(fx, "reddit-api-fixtures/post/post.json")))
tpost = copy.deepcopy(found[5])
tid = tpost["data"]["name"]
tsub = tpost["data"]["subreddit"]
tts = tpost["data"]["created_utc"]
pool = [r for r in uniq[150:] if "ollama" not in r["text"].lower() and len(r["text"]) > 30]

def reply(r, k, parent, depth):
    c = copy.deepcopy(thread_tmpl[1]["data"]["children"][0])
    d = c["data"]
    ts = tts + 600 * (k + 1)
    d.update({
        "id": r["id"], "name": "t1_" + r["id"], "body": r["text"], "body_html": None, "author": r["author"],
        "author_fullname": "t2_" + r["id"], "subreddit": tsub, "subreddit_name_prefixed": "r/" + tsub,
        "link_id": tid, "parent_id": parent, "created": ts, "created_utc": ts, "depth": depth,
        "permalink": "/r/%s/comments/%s/comment/%s/" % (tsub, tid[3:], r["id"]),
        "score": (k * 5) % 17, "ups": (k * 5) % 17, "replies": "", "is_submitter": False,
    })
    return c

def tree(nodes):
    return {"kind": "Listing", "data": {"modhash": None, "dist": None, "children": nodes, "after": None, "before": None}}

def thread(extra):
    cs = [reply(r, k, None, 0) for k, r in enumerate(pool[:8])]
    chain = cs[0:4]
    for depth, c in enumerate(chain):
        c["data"]["depth"] = depth
        c["data"]["parent_id"] = tid if depth == 0 else chain[depth - 1]["data"]["name"]
        if depth + 1 < len(chain):
            c["data"]["replies"] = tree([chain[depth + 1]])
    top = [chain[0], cs[4], cs[5]]
    cs[4]["data"]["parent_id"] = cs[5]["data"]["parent_id"] = tid
    cs[6]["data"].update({"parent_id": cs[5]["data"]["name"], "depth": 1})
    kids = [cs[6]]
    if extra:
        cs[7]["data"].update({"parent_id": cs[5]["data"]["name"], "depth": 1})
        kids.append(cs[7])
    cs[5]["data"]["replies"] = tree(kids)
    more = {"kind": "more", "data": {"count": 12, "name": "t1_" + pool[8]["id"], "id": pool[8]["id"],
                                     "parent_id": tid, "depth": 0, "children": [r["id"] for r in pool[8:12]]}}
    head = copy.deepcopy(thread_tmpl[0])
    head["data"]["children"] = [tpost]
    return [head, tree(top + [more])]

dump("thread_%s_t0.json" % tid[3:], thread(False))
dump("thread_%s_t1.json" % tid[3:], thread(True))

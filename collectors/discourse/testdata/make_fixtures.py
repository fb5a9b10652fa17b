#!/usr/bin/env python3
"""Builds testdata/stackstorm/*.json: Discourse API answers with the real posts of the archived
forum.stackstorm.com (discourse-forum-stackstorm: the topic feeds t/*/<id>.rss, latest.rss and
the category feeds), laid out in the shapes of the Discourse API fixtures (discourse-api-fixtures:
posts_latest.json for /posts.json, categories.json, query_response.json for /search.json).
Post ids, topic ids, post numbers, authors, times, titles and HTML are the recorded ones.
stackstorm/latest.json is the forum's real /c/workflow-related-issues/15.json topic list, unchanged.
Run: python3 make_fixtures.py /work/shared/data
"""
import glob, json, os, re, sys
import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

data = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"
forum = os.path.join(data, "fixtures/discourse-forum-stackstorm")
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stackstorm")
DC = "{http://purl.org/dc/elements/1.1/}"

# Categories: id, slug and name from the category feeds' paths and titles; parents from nesting.
cats = {1: {"id": 1, "name": "Uncategorized", "slug": "uncategorized", "parent": None}}
for f in sorted(glob.glob(os.path.join(forum, "c/**/*.rss"), recursive=True)):
    rel = os.path.relpath(f, os.path.join(forum, "c")).split(os.sep)
    cid = int(rel[-1].split(".")[0])
    title = ET.parse(f).getroot().find("channel/title").text.split(" - ")[0]
    cats[cid] = {"id": cid, "name": title, "slug": rel[-2], "parent": rel[-3] if len(rel) > 2 else None}
slug_id = {c["slug"]: c["id"] for c in cats.values()}
name_id = {c["name"]: c["id"] for c in cats.values()}
top = []
for c in sorted(cats.values(), key=lambda c: c["id"]):
    entry = {"id": c["id"], "name": c["name"], "color": "0088CC", "text_color": "FFFFFF", "slug": c["slug"],
             "topic_count": 0, "post_count": 0, "description": None, "read_restricted": False}
    if c["parent"]:
        entry["parent_category_id"] = slug_id[c["parent"]]
    c["entry"] = entry
for c in sorted(cats.values(), key=lambda c: c["id"]):
    if c["parent"]:
        cats[slug_id[c["parent"]]]["entry"].setdefault("subcategory_list", []).append(c["entry"])
    else:
        top.append(c["entry"])
json.dump({"category_list": {"can_create_category": False, "categories": top}}, open(os.path.join(out, "categories.json"), "w"), separators=(",", ":"))

# Topic -> category, from latest.rss and the category topic lists.
topic_cat = {}
for item in ET.parse(os.path.join(forum, "latest.rss")).getroot().iter("item"):
    tid = int(item.find("guid").text.rsplit("-", 1)[1])
    cat = item.find("category")
    if cat is not None and cat.text in name_id:
        topic_cat[tid] = name_id[cat.text]
for f in glob.glob(os.path.join(forum, "c/**/*.json"), recursive=True):
    for t in json.load(open(f))["topic_list"]["topics"]:
        topic_cat.setdefault(t["id"], t["category_id"])

posts = []
# Only /posts.rss carries real post ids (guid forum.stackstorm.com-post-<id>); the topic feeds
# number posts within their topic.
for item in ET.parse(os.path.join(forum, "posts.rss")).getroot().iter("item"):
    pid = int(item.find("guid").text.rsplit("-", 1)[1])
    m = re.search(r"/t/([^/]+)/(\d+)/(\d+)", item.find("link").text)
    slug, tid, num = m.group(1), int(m.group(2)), int(m.group(3))
    creator = (item.find(DC + "creator").text or "").strip()
    user = creator.split()[0].lstrip("@") if creator else ""
    when = parsedate_to_datetime(item.find("pubDate").text).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    title = item.find("title").text
    posts.append({
        "id": pid, "name": " ".join(creator.split()[1:]) or None, "username": user,
        "avatar_template": "/letter_avatar_proxy/v4/letter/x/000000/{size}.png",
        "created_at": when, "cooked": (item.find("description").text or "").strip(), "post_number": num,
        "post_type": 1, "updated_at": when, "reply_count": 0,
        "reply_to_post_number": None if num <= 2 else num - 1, "quote_count": 0, "reads": 1, "score": 0,
        "yours": False, "topic_id": tid, "topic_slug": slug, "topic_title": title, "topic_html_title": title,
        "category_id": topic_cat.get(tid, 1), "display_username": None, "version": 1, "user_title": None,
        "moderator": False, "admin": False, "staff": False, "user_id": 0, "hidden": False, "trust_level": 1,
        "deleted_at": None, "user_deleted": False, "wiki": False,
    })
posts.sort(key=lambda p: p["id"], reverse=True)

def dump(name, obj):
    with open(os.path.join(out, name), "w") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")

# /posts.json pages of 10 (Discourse serves 50): t0 lacks the newest 5 posts. Posts with an
# empty body (Discourse's small actions) are kept: the collector must skip them.
P = posts
dump("posts_t0.json", {"latest_posts": P[5:15]})
dump("posts_t0_before_%d.json" % P[14]["id"], {"latest_posts": P[15:25]})
dump("posts_t0_before_%d.json" % P[24]["id"], {"latest_posts": P[25:]})
dump("posts_t1.json", {"latest_posts": P[0:10]})

# /search.json?q=workflow order:latest: real posts naming workflows, newest first, blurbs cut as
# Discourse cuts them; t0 lacks the newest.
def blurb(h):
    t = re.sub(r"<[^>]+>", " ", h)
    t = re.sub(r"\s+", " ", t).strip()
    return t[:200] + ("..." if len(t) > 200 else "")
hits = [p for p in posts if "workflow" in (p["cooked"] + p["topic_title"]).lower()]
def search(ps):
    topics = {}
    for p in ps:
        topics[p["topic_id"]] = {"id": p["topic_id"], "title": p["topic_title"], "fancy_title": p["topic_title"],
                                 "slug": p["topic_slug"], "posts_count": 1, "category_id": p["category_id"],
                                 "created_at": p["created_at"], "bumped_at": p["created_at"], "archetype": "regular"}
    return {"posts": [{"id": p["id"], "name": p["name"], "username": p["username"], "avatar_template": p["avatar_template"],
                       "created_at": p["created_at"], "like_count": 0, "blurb": blurb(p["cooked"]),
                       "post_number": p["post_number"], "topic_id": p["topic_id"]} for p in ps],
            "topics": list(topics.values()), "users": [], "categories": [],
            "grouped_search_result": {"more_posts": None, "post_ids": [p["id"] for p in ps], "user_ids": [], "category_ids": []}}
dump("search_workflow_t0.json", search([h for h in hits if h["id"] <= P[5]["id"]]))
dump("search_workflow_t1.json", search(hits))
print("posts", P[0]["id"], P[-1]["id"], "search", [h["id"] for h in hits])

# A followed topic: /search.json?q=stackstorm order:latest finds the first post of "Workflow
# variable comparison" (topic 1741, which names StackStorm), and /t/1741/posts.json?post_number=1&asc=true
# returns its 10 replies (8 of which do not name StackStorm), from the topic's own feed
# t/workflow-variable-comparison/1741.rss. Topic feeds carry no post ids: the ids are made up
# (4290 + post number), below the stream's, as posts of June 2021 would be.
tf = os.path.join(forum, "t/workflow-variable-comparison/1741.rss")
ch = ET.parse(tf).getroot().find("channel")
tposts = []
for item in ch.iter("item"):
    num = int(item.find("link").text.rstrip("/").rsplit("/", 1)[1])
    creator = (item.find(DC + "creator").text or "").strip()
    when = parsedate_to_datetime(item.find("pubDate").text).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    tposts.append({
        "id": 4290 + num, "name": None, "username": creator.split()[0].lstrip("@"),
        "avatar_template": "/letter_avatar_proxy/v4/letter/x/000000/{size}.png", "created_at": when,
        "cooked": (item.find("description").text or "").strip(), "post_number": num, "post_type": 1,
        "updated_at": when, "reply_count": 0, "reply_to_post_number": None if num <= 2 else num - 1,
        "quote_count": 0, "reads": 1, "score": 0, "yours": False, "topic_id": 1741,
        "topic_slug": "workflow-variable-comparison", "display_username": None, "version": 1,
        "actions_summary": [{"id": 2, "count": num % 3}], "user_id": 0, "hidden": False, "trust_level": 1,
        "deleted_at": None, "user_deleted": False,
    })
tposts.sort(key=lambda p: p["post_number"])
dump("topic_1741_posts_after_1.json", {"post_stream": {"posts": tposts[1:]}, "id": 1741})
first = dict(tposts[0], topic_title=ch.find("title").text, topic_slug="workflow-variable-comparison", category_id=name_id["Workflows"])
dump("search_stackstorm_t1741.json", search([first]))

# Replies in a topic whose title names StackStorm and whose own text does not: posts 3-7 and 9
# of "Issue while calling first task in workflow in stackstorm v3.1.0" (topic 1325), from
# t/issue-while-calling-first-task-in-workflow-in-stackstorm-v3-1-0/1325.rss, as a /posts.json
# page. Post ids are made up (4200 + post number); the category is Workflows.
tf = os.path.join(forum, "t/issue-while-calling-first-task-in-workflow-in-stackstorm-v3-1-0/1325.rss")
ch = ET.parse(tf).getroot().find("channel")
rposts = []
for item in ch.iter("item"):
    num = int(item.find("link").text.rstrip("/").rsplit("/", 1)[1])
    if num not in (3, 4, 5, 6, 7, 9):
        continue
    creator = (item.find(DC + "creator").text or "").strip()
    when = parsedate_to_datetime(item.find("pubDate").text).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    rposts.append({
        "id": 4200 + num, "username": creator.split()[0].lstrip("@"), "created_at": when,
        "cooked": (item.find("description").text or "").strip(), "post_number": num, "post_type": 1,
        "reply_to_post_number": num - 1, "topic_id": 1325,
        "topic_slug": "issue-while-calling-first-task-in-workflow-in-stackstorm-v3-1-0",
        "topic_title": ch.find("title").text, "category_id": name_id["Workflows"], "hidden": False,
        "deleted_at": None, "user_deleted": False, "actions_summary": [],
    })
rposts.sort(key=lambda p: p["id"], reverse=True)
dump("posts_topic_1325_replies.json", {"latest_posts": rposts})

#!/usr/bin/env python3
"""Copies real posts' HTML, unchanged, out of the recorded payloads into <name>.html files for
TestHTMLToTextRealPosts. Run from this folder with the team's data at ../../../../../shared/data
(or pass its path); `go test ./collectors/feedreader -update` then rewrites the .golden files."""
import json, os, re, sys, html

DATA = sys.argv[1] if len(sys.argv) > 1 else os.path.join("..", "..", "..", "..", "..", "shared", "data")
FIX = os.path.join(DATA, "fixtures")

def write(name, body):
    with open(name + ".html", "w", encoding="utf-8") as f:
        f.write(body)

# Reddit: the post HTML of Atom entries (<content type="html">), from the r/ollama and
# r/LocalLLaMA feed snapshots.
reddit = {"t3_1n1mg7v": "reddit-code", "t3_1n2c5mw": "reddit-headings",
          "t3_1kafk0y": "reddit-quote", "t3_1th20rf": "reddit-code-question",
          "t3_1m4ploe": "reddit-all-code", "t3_1nncyvv": "reddit-table",
          "t3_1j0f5zj": "reddit-answered-headings", "t3_1rjaqpv": "reddit-heading-lines",
          "t3_1i9ewmy": "reddit-issue-template", "t3_1nkcb7n": "reddit-how-it-works",
          "t3_1k5kn1o": "reddit-feedback-heading"}
for sub in ("ollama", "LocalLLaMA"):
    for line in open(os.path.join(FIX, "reddit-atom-feed-snapshots", f"entries_{sub}.jsonl"), encoding="utf-8"):
        e = json.loads(line)
        if e["id"] in reddit:
            write(reddit.pop(e["id"]), e["content_html"])
assert not reddit, reddit

# Discourse: the cooked HTML of forum.stackstorm.com posts, as the collector's fixtures hold it.
discourse = {4448: "discourse-code", 4476: "discourse-quote", 4463: "discourse-list"}
for f in ("posts_t0_before_4452.json", "posts_t1.json"):
    for p in json.load(open(os.path.join("..", "..", "..", "discourse", "testdata", "stackstorm", f), encoding="utf-8"))["latest_posts"]:
        if p["id"] in discourse:
            write(discourse.pop(p["id"]), p["cooked"])
assert not discourse, discourse

# Hacker News: comment HTML from the Algolia items API (story 48849066).
hn = {48849854: "hn-quote", 48857510: "hn-code", 48857458: "hn-code-quote", 48856368: "hn-steps"}
for c in json.load(open(os.path.join(FIX, "hackernews-api-fixtures", "algolia_item_48849066_comments_flat.json"), encoding="utf-8")):
    if c["id"] in hn:
        write(hn.pop(c["id"]), c["text"])
assert not hn, hn

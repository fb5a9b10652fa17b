#!/usr/bin/env python3
"""Writes reddit-titles.atom: r/ollama and r/LocalLLaMA posts whose plain-text titles hold
tag-like text, as an Atom feed in the shape of the reddit-atom-feed-snapshots files (the same
python-feedgen layout, the titles and content exactly as recorded there).

Run from this folder: python3 make_fixtures.py /path/to/shared/data/fixtures/reddit-atom-feed-snapshots
"""
import json
import sys
from xml.sax.saxutils import escape

IDS = ["t3_1iioooo", "t3_1j1n4gm", "t3_1ibraj4", "t3_1ie1jzx", "t3_1iweyjw", "t3_1kc6r3t",
       "t3_1luwmuz", "t3_1ncgm7d", "t3_1i7mvps", "t3_1j7j5kl"]

src = sys.argv[1]
posts = {}
for name in ("entries_ollama.jsonl", "entries_LocalLLaMA.jsonl"):
    for line in open(f"{src}/{name}", encoding="utf-8"):
        d = json.loads(line)
        if d["id"] in IDS:
            posts[d["id"]] = d
out = ["<?xml version='1.0' encoding='UTF-8'?>", '<feed xmlns="http://www.w3.org/2005/Atom">',
       "  <id>/r/ollama/.rss</id>", "  <title>ollama</title>", "  <updated>2025-09-11T04:49:23+00:00</updated>",
       '  <link href="https://old.reddit.com/r/ollama/" rel="alternate"/>']
for i in IDS:
    d = posts[i]
    out += ["  <entry>", f"    <id>{d['id']}</id>", f"    <title>{escape(d['title'])}</title>",
            f"    <updated>{d['updated']}</updated>",
            f"    <author>\n      <name>{escape(d['author'])}</name>\n    </author>",
            f'    <content type="html">{escape(d["content_html"])}</content>',
            f'    <link href="{escape(d["link"])}" rel="alternate"/>', "  </entry>"]
out.append("</feed>")
open("reddit-titles.atom", "w", encoding="utf-8").write("\n".join(out) + "\n")

package slack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/overhear/overhear/alerts"
)

// Slack's limits (https://docs.slack.dev/reference/block-kit/blocks), counted conservatively:
// see width.
const (
	maxHeader     = 150
	maxSectionTxt = 3000
	maxFieldTxt   = 2000
	maxFields     = 10
	maxBlocks     = 50
	// Limits of our own, to keep a message readable.
	maxFallback   = 500
	maxHeadline   = 200
	maxExcerpt    = 300
	maxSummary    = 1500
	maxFieldValue = 600
)

// Message is an incoming-webhook payload.
type Message struct {
	// Text is the notification and fallback text.
	Text   string  `json:"text"`
	Blocks []Block `json:"blocks"`
}

// Block is a Block Kit layout block (header, section, divider, context).
type Block struct {
	Type     string  `json:"type"`
	Text     *Text   `json:"text,omitempty"`
	Fields   []*Text `json:"fields,omitempty"`
	Elements []*Text `json:"elements,omitempty"`
}

// Text is a Block Kit text object.
type Text struct {
	Type string `json:"type"`
	Text string `json:"text"`
	// Emoji renders :shortcodes: in plain_text.
	Emoji bool `json:"emoji,omitempty"`
	// Verbatim stops Slack's automatic parsing of mrkdwn (bare URLs, #channels, @mentions), so
	// only the links this package writes are links.
	Verbatim bool `json:"verbatim,omitempty"`
}

// JSON encodes the message as Slack receives it (without Go's HTML escaping of <, > and &,
// which Slack would accept but which makes payloads unreadable).
func (m Message) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

func plain(s string) *Text  { return &Text{Type: "plain_text", Text: s, Emoji: true} }
func mrkdwn(s string) *Text { return &Text{Type: "mrkdwn", Text: s, Verbatim: true} }

// emoji marks each rule type in the header.
var emoji = map[string]string{
	alerts.NegativeSwing:      ":chart_with_downwards_trend:",
	alerts.VolumeSpike:        ":chart_with_upwards_trend:",
	alerts.UnattendedQuestion: ":raising_hand:",
	alerts.HighImpact:         ":rotating_light:",
	alerts.NewCommunity:       ":new:",
	alerts.RuleDigest:         ":newspaper:",
	alerts.RuleTest:           ":white_check_mark:",
}

// Render builds the Block Kit message for an alert: a header, the summary, the numbers as
// fields, one section per example with a link, the community, author, sentiment and score,
// and a footer with "and N more". Every piece of text is escaped and cut to Slack's limits.
func Render(a alerts.Alert) Message {
	var blocks []Block
	mark, ok := emoji[a.Type]
	if !ok {
		if t, registered := alerts.LookupRuleType(a.Type); registered {
			mark = t.Emoji
		}
	}
	title := strings.TrimSpace(mark + " " + a.Title)
	blocks = append(blocks, Block{Type: "header", Text: plain(plainText(title, maxHeader))})
	if a.Summary != "" {
		blocks = append(blocks, Block{Type: "section", Text: mrkdwn(Escape(a.Summary, maxSummary))})
	}
	if len(a.Fields) > 0 {
		var fields []*Text
		for i, f := range a.Fields {
			if i == maxFields {
				break
			}
			fields = append(fields, mrkdwn(cut("*"+Escape(f.Name, 100)+"*\n"+Escape(f.Value, maxFieldValue), maxFieldTxt)))
		}
		blocks = append(blocks, Block{Type: "section", Fields: fields})
	}
	if len(a.Examples) > 0 {
		blocks = append(blocks, Block{Type: "divider"})
	}
	for _, ex := range a.Examples {
		if len(blocks) >= maxBlocks-2 {
			break
		}
		blocks = append(blocks, Block{Type: "section", Text: mrkdwn(cut(example(ex), maxSectionTxt))})
	}
	var foot []string
	if a.More > 0 {
		foot = append(foot, fmt.Sprintf("*…and %d more*", a.More))
	}
	foot = append(foot, "Overhear · rule "+Escape(a.Rule, 64))
	if !a.At.IsZero() {
		foot = append(foot, a.At.UTC().Format("2006-01-02 15:04 UTC"))
	}
	blocks = append(blocks, Block{Type: "context", Elements: []*Text{mrkdwn(strings.Join(foot, " · "))}})
	fallback := a.Title
	if a.Summary != "" {
		fallback += ": " + a.Summary
	}
	return Message{Text: Escape(fallback, maxFallback), Blocks: blocks}
}

// example renders one mention: linked headline, where and by whom, and an excerpt.
func example(ex alerts.Example) string {
	var b strings.Builder
	head := Escape(oneLine(ex.Headline()), maxHeadline)
	if head == "" {
		head = "(no title)"
	}
	if link := linkURL(ex.URL); link != "" {
		fmt.Fprintf(&b, "*<%s|%s>*", link, head)
	} else {
		fmt.Fprintf(&b, "*%s*", head)
	}
	if meta := ex.Meta(); meta != "" {
		b.WriteString("\n" + Escape(meta, 400))
	}
	if ex.Title != "" && strings.TrimSpace(ex.Text) != "" {
		b.WriteString("\n>" + Escape(oneLine(ex.Text), maxExcerpt))
	}
	return b.String()
}

// Escape makes text from the internet safe for mrkdwn and cuts it to n characters (after
// escaping, with an ellipsis). Slack's control characters &, < and > become entities, so
// "<!channel>", "<@U123>" and "<http://x|y>" show as typed instead of pinging or linking; the
// bare words @channel, @here and @everyone get a zero-width space after the @ in case a
// client parses them anyway.
func Escape(s string, n int) string {
	// NULs go before defuse: dropped after it, "@chan\x00nel" became a live @channel.
	s = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(defuse(strings.ReplaceAll(s, "\x00", "")))
	return cut(s, n)
}

// broadcasts are the words that, after an @, notify a whole channel or workspace.
var broadcasts = []string{"channel", "here", "everyone"}

// defuse repairs invalid UTF-8 and puts a zero-width space after the @ of @channel, @here and
// @everyone in any letter case ("@ChAnnel" too, which the fuzzer found getting through).
func defuse(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.Contains(s, "@") {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		b.WriteByte(s[i])
		if s[i] != '@' {
			continue
		}
		rest := s[i+1:]
		for _, w := range broadcasts {
			if len(rest) >= len(w) && strings.EqualFold(rest[:len(w)], w) {
				b.WriteString("\u200b")
				break
			}
		}
	}
	return b.String()
}

// plainText prepares text for a plain_text object, which Slack never parses for mentions or
// links: angle brackets become look-alikes so nothing can even look like markup, and the text
// is cut to n characters.
func plainText(s string, n int) string {
	s = strings.NewReplacer("<", "‹", ">", "›").Replace(oneLine(defuse(s)))
	return cut(s, n)
}

// cut shortens already-safe text to n characters with an ellipsis, never inside an entity.
func cut(s string, n int) string {
	if width(s) <= n {
		return s
	}
	w := 0
	for i, r := range s {
		pw := width(string(r))
		if w+pw > n-1 {
			out := s[:i]
			// Do not leave half an entity (&amp; &lt; &gt;) at the end.
			if j := strings.LastIndexByte(out, '&'); j >= 0 && !strings.Contains(out[j:], ";") {
				out = out[:j]
			}
			return out + "…"
		}
		w += pw
	}
	return s
}

// width counts characters as Slack does for its limits, conservatively: a character outside
// the Basic Multilingual Plane (most emoji) counts as two, as in UTF-16.
func width(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// linkURL returns an http(s) URL made safe for <url|label>: characters that would end the link
// or start a label are percent-encoded, & becomes &amp;. Anything else returns "", and the
// example is shown without a link.
func linkURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	s := u.String()
	return strings.NewReplacer("&", "&amp;", "<", "%3C", ">", "%3E", "|", "%7C", " ", "%20", "\n", "", "\r", "").Replace(s)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

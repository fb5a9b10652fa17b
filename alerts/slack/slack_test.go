package slack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/alertstest"
	"github.com/overhear/overhear/alerts/slack"
	"github.com/overhear/overhear/collectors"
)

var update = flag.Bool("update", false, "rewrite golden files")

var at = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func newNotifier(tb testing.TB, url string, logs *bytes.Buffer) *slack.Notifier {
	tb.Helper()
	n, err := slack.New(slack.Config{Name: "team", WebhookURL: collectors.Secret(url), Timeout: 200 * time.Millisecond},
		slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

func TestNotifyClassifiesSlackAnswers(t *testing.T) {
	cases := map[string]struct {
		resp       alertstest.Response
		wantErr    bool
		permanent  bool
		retryAfter time.Duration
		mention    string // must appear in the error
	}{
		"200 ok":                  {resp: alertstest.OK},
		"400 invalid_payload":     {resp: alertstest.InvalidPayload, wantErr: true, permanent: true, mention: "invalid_payload"},
		"404 no_service":          {resp: alertstest.NoService, wantErr: true, permanent: true, mention: "no_service"},
		"410 channel_is_archived": {resp: alertstest.Archived, wantErr: true, permanent: true, mention: "channel_is_archived"},
		"429 with Retry-After":    {resp: alertstest.RateLimited, wantErr: true, retryAfter: time.Second, mention: "429"},
		"500":                     {resp: alertstest.ServerError, wantErr: true, mention: "500"},
		"hang":                    {resp: alertstest.Hang, wantErr: true, mention: "slack"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fake := alertstest.NewFakeSlack(t)
			fake.Script(tc.resp)
			var logs bytes.Buffer
			n := newNotifier(t, fake.URL(), &logs)
			err := n.Notify(context.Background(), alerts.SampleAlert("Acme", at))
			if (err != nil) != tc.wantErr {
				t.Fatalf("Notify() = %v, want error %v", err, tc.wantErr)
			}
			if fake.Requests() != 1 {
				t.Errorf("Slack got %d requests, want 1 (retries are the sender's job)", fake.Requests())
			}
			if err == nil {
				return
			}
			if got := alerts.IsPermanent(err); got != tc.permanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tc.permanent)
			}
			if got := alerts.RetryAfter(err); got != tc.retryAfter {
				t.Errorf("RetryAfter(%v) = %v, want %v", err, got, tc.retryAfter)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			for _, s := range []string{err.Error(), logs.String()} {
				if strings.Contains(s, "s3cr3t") || strings.Contains(s, fake.URL()) {
					t.Errorf("webhook URL leaked: %q", s)
				}
			}
		})
	}
}

func TestNotifyLeaksNoSecret(t *testing.T) {
	// A closed server: the transport error is a *url.Error, which prints the URL.
	fake := alertstest.NewFakeSlack(t)
	url := fake.URL()
	fake.Server.Close()
	var logs bytes.Buffer
	n := newNotifier(t, url, &logs)
	err := n.Notify(context.Background(), alerts.SampleAlert("Acme", at))
	if err == nil {
		t.Fatal("Notify to a closed server succeeded")
	}
	if alerts.IsPermanent(err) {
		t.Errorf("a network error should be retryable: %v", err)
	}
	for _, s := range []string{err.Error(), logs.String(), fmtAll(n)} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("webhook token leaked: %q", s)
		}
	}
	// A URL that does not even parse must not leak either.
	bad := newNotifier(t, "https://hooks.slack.com/services/\x7fs3cr3t", &logs)
	if err := bad.Notify(context.Background(), alerts.SampleAlert("Acme", at)); err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("bad URL error = %v", err)
	}
}

func fmtAll(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestEscape(t *testing.T) {
	cases := map[string]struct{ in, want string }{
		"channel ping":   {"hey <!channel> look", "hey &lt;!channel&gt; look"},
		"user ping":      {"<@U123> you", "&lt;@U123&gt; you"},
		"forged link":    {"<http://evil.example|click me>", "&lt;http://evil.example|click me&gt;"},
		"ampersand":      {"AT&T &amp; co", "AT&amp;T &amp;amp; co"},
		"bare @channel":  {"@channel @here @everyone", "@\u200bchannel @\u200bhere @\u200beveryone"},
		"subteam":        {"<!subteam^S123>", "&lt;!subteam^S123&gt;"},
		"invalid utf-8":  {"a\xffb", "a\uFFFDb"},
		"plain is plain": {"How do I use 2 GPUs?", "How do I use 2 GPUs?"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := slack.Escape(tc.in, 3000); got != tc.want {
				t.Errorf("Escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	// Cutting never leaves half an entity.
	got := slack.Escape(strings.Repeat("a", 8)+"<b", 11)
	if strings.Contains(got, "&l…") || strings.Contains(got, "&lt…") || !strings.HasSuffix(got, "…") {
		t.Errorf("cut inside an entity: %q", got)
	}
}

// hostile is an alert made of the worst the internet can send.
func hostile() alerts.Alert {
	rant := strings.Repeat("This is terrible <!channel> & <@U123> <http://evil.example|docs> 😡 ", 80) // ~5,000 chars
	a := alerts.Alert{
		Rule: "high_impact", Type: alerts.HighImpact, Brand: "Acme", Keys: []string{"k"},
		Title:   "High-impact negative mention: Acme <!here> " + strings.Repeat("x", 300),
		Summary: rant,
		At:      at,
	}
	for i := 0; i < 14; i++ {
		a.Fields = append(a.Fields, alerts.Field{Name: "field <!channel>", Value: rant})
	}
	for i := 0; i < 12; i++ {
		a.Examples = append(a.Examples, alerts.Example{
			Source: "reddit", ID: "t3_x", Community: "acme<!channel>", Author: "<@U999>",
			Title: rant, Text: rant, URL: "https://example.com/a?b=1&c=<2>|x", Score: 7, Sentiment: "negative", SentimentScore: -0.9,
		})
	}
	return a
}

func TestRenderHostileTextStaysSafeAndWithinLimits(t *testing.T) {
	msg := slack.Render(hostile())
	b, err := msg.JSON()
	if err != nil {
		t.Fatal(err)
	}
	// No raw control sequence survives anywhere in the payload.
	var texts []string
	texts = append(texts, msg.Text)
	for _, bl := range msg.Blocks {
		for _, tx := range append(append([]*slack.Text{bl.Text}, bl.Fields...), bl.Elements...) {
			if tx == nil {
				continue
			}
			texts = append(texts, tx.Text)
			limit := 3000
			switch {
			case bl.Type == "header":
				limit = 150
			case len(bl.Fields) > 0:
				limit = 2000
			}
			if n := len([]rune(tx.Text)); n > limit {
				t.Errorf("%s text has %d characters, limit %d", bl.Type, n, limit)
			}
			if tx.Type == "mrkdwn" && !tx.Verbatim {
				t.Errorf("mrkdwn text without verbatim: Slack would auto-parse it")
			}
		}
		if len(bl.Fields) > 10 {
			t.Errorf("section has %d fields, limit 10", len(bl.Fields))
		}
	}
	if len(msg.Blocks) > 50 {
		t.Errorf("%d blocks, limit 50", len(msg.Blocks))
	}
	for _, s := range texts {
		for _, bad := range []string{"<!channel>", "<!here>", "<@U123>", "<@U999>", "<http://evil.example|docs>", "@here", "<2>"} {
			if strings.Contains(s, bad) {
				t.Errorf("text contains %q: %.200q", bad, s)
			}
		}
	}
	// The only links are ours, and their URL cannot end early or smuggle a label.
	if !bytes.Contains(b, []byte("<https://example.com/a?b=1&amp;c=%3C2%3E%7Cx|")) {
		t.Errorf("example link not escaped as expected: %s", b[:min(len(b), 2000)])
	}
}

func TestRenderDropsNonHTTPLinks(t *testing.T) {
	a := alerts.SampleAlert("Acme", at)
	a.Examples[0].URL = "javascript:alert(1)"
	b, _ := slack.Render(a).JSON()
	if bytes.Contains(b, []byte("javascript")) {
		t.Errorf("non-http link kept: %s", b)
	}
}

// TestRenderGolden pins what a real alert looks like in Slack; the README shows this message.
func TestRenderGolden(t *testing.T) {
	a := alerts.Alert{
		Rule: "unattended_question", Type: alerts.UnattendedQuestion, Brand: "Ollama",
		Keys:    []string{"unattended_question/Ollama/reddit/t3_1", "unattended_question/Ollama/reddit/t3_2", "unattended_question/Ollama/reddit/t3_3"},
		Title:   "3 unattended questions: Ollama",
		Summary: "3 questions about Ollama have waited 2h or more in threads none of its accounts joined.",
		Fields:  []alerts.Field{{Name: "Where", Value: "r/ollama 2, r/LocalLLaMA 1"}},
		Examples: []alerts.Example{
			{Source: "reddit", ID: "t3_1", Community: "ollama", Author: "gpu_tinkerer", Title: "How do I make Ollama use my second GPU?",
				Text: "How do I make Ollama use my second GPU? It only ever loads onto the first one.", URL: "https://www.reddit.com/r/ollama/comments/1/",
				CreatedAt: at.Add(-3 * time.Hour), Score: 41, Sentiment: "neutral", SentimentScore: -0.05},
			{Source: "reddit", ID: "t3_2", Community: "LocalLLaMA", Author: "quant_curious", Title: "Ollama & <!channel> context length?",
				Text: "Is there a way to set the context length per model in Ollama? <@U123> said it's in the Modelfile.", URL: "https://www.reddit.com/r/LocalLLaMA/comments/2/",
				CreatedAt: at.Add(-4 * time.Hour), Score: 12, Sentiment: "negative", SentimentScore: -0.41},
		},
		More: 1,
		At:   at,
	}
	raw, err := slack.Render(a).JSON()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		t.Fatal(err)
	}
	buf.WriteByte('\n')
	got := buf.Bytes()
	path := filepath.Join("testdata", "unattended_questions.golden.json")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./alerts/slack -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("rendered message differs from %s (run with -update if the change is intended):\n%s", path, got)
	}
}

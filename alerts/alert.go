package alerts

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Alert is one message: what one rule found for one brand, possibly several events grouped
// ("13 unattended questions … and 8 more"). Every text field is plain text; sinks escape it for
// their format.
type Alert struct {
	// Rule is the name of the rule that fired ("digest" for a daily digest, "test" for
	// `overhear alerts test`).
	Rule string `json:"rule"`
	// Type is the rule's type (negative_swing, …; "digest", "test").
	Type string `json:"type"`
	// Brand is the brand the alert is about ("" for a digest).
	Brand string `json:"brand,omitempty"`
	// Keys are the dedup keys of the events in this message.
	Keys []string `json:"keys"`
	// Title is the one-line headline.
	Title string `json:"title"`
	// Summary says what happened, with the numbers, in a sentence or two.
	Summary string `json:"summary"`
	// Fields are labelled numbers ("Negative share": "41% (18 of 44)").
	Fields []Field `json:"fields,omitempty"`
	// Examples are the mentions that caused the alert, most significant first.
	Examples []Example `json:"examples,omitempty"`
	// More is how many further events the message stands for beyond its examples.
	More int `json:"more,omitempty"`
	// At is when the alert was produced.
	At time.Time `json:"at"`
}

// Field is a labelled value.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Example is a mention shown in an alert, with a link to it.
type Example struct {
	Source    string    `json:"source"`
	ID        string    `json:"id"`
	Community string    `json:"community,omitempty"`
	Author    string    `json:"author,omitempty"`
	Title     string    `json:"title,omitempty"`
	Text      string    `json:"text,omitempty"`
	URL       string    `json:"url,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	// Score is the engagement the source reported.
	Score int `json:"score"`
	// Sentiment is the label toward the brand; SentimentScore its score in [-1, 1].
	Sentiment      string  `json:"sentiment,omitempty"`
	SentimentScore float64 `json:"sentiment_score"`
	// Unscored is true when the mention is in a language the sentiment model does not read;
	// Sentiment is then empty and SentimentScore 0.
	Unscored bool `json:"unscored,omitempty"`
	// Note says why this mention is shown, when that is not obvious ("recurring voice: 4
	// earlier mentions in r/ollama").
	Note string `json:"note,omitempty"`
}

// Entry states in the outbox.
const (
	// StatePending entries wait to be sent (or retried at NextAttempt).
	StatePending = "pending"
	// StateSent entries were delivered.
	StateSent = "sent"
	// StateDropped entries failed permanently and will not be retried.
	StateDropped = "dropped"
	// StateHeld entries are for digest-only sinks: never sent alone, listed in the next digest.
	StateHeld = "held"
)

// Entry is one alert for one sink in the outbox.
type Entry struct {
	// Seq is assigned by the outbox when the entry is committed; it orders entries.
	Seq uint64 `json:"seq"`
	// Sink is the sink's name.
	Sink string `json:"sink"`
	// State is pending, sent, dropped or held.
	State string `json:"state"`
	// Attempts counts failed delivery attempts.
	Attempts int `json:"attempts"`
	// LastError is the last delivery error, redacted (never a URL).
	LastError string `json:"last_error,omitempty"`
	// CreatedAt is when the entry was committed; UpdatedAt when its state last changed.
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// NextAttempt is when a pending entry may be tried again after a failure.
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	Alert       Alert     `json:"alert"`
}

// Line is a one-line description of the entry, for logs and the demo summary.
func (e *Entry) Line() string {
	s := fmt.Sprintf("%s  %-8s %-10s %s", e.CreatedAt.UTC().Format("2006-01-02 15:04"), e.State, e.Sink, e.Alert.Title)
	if e.Alert.Summary != "" {
		s += ": " + oneLine(e.Alert.Summary, 160)
	}
	return s
}

// Text renders the alert as plain text (the log sink, the webhook's "text").
func (a *Alert) Text() string {
	var b strings.Builder
	b.WriteString(a.Title)
	b.WriteString("\n")
	if a.Summary != "" {
		b.WriteString(a.Summary + "\n")
	}
	for _, f := range a.Fields {
		fmt.Fprintf(&b, "  %s: %s\n", f.Name, f.Value)
	}
	for _, ex := range a.Examples {
		fmt.Fprintf(&b, "  - %s\n", oneLine(ex.Headline(), 120))
		if meta := ex.Meta(); meta != "" {
			fmt.Fprintf(&b, "    %s\n", meta)
		}
		if ex.URL != "" {
			fmt.Fprintf(&b, "    %s\n", ex.URL)
		}
	}
	if a.More > 0 {
		fmt.Fprintf(&b, "  … and %d more\n", a.More)
	}
	return strings.TrimRight(b.String(), "\n")
}

// Headline is the example's title, or the start of its text.
func (e *Example) Headline() string {
	if strings.TrimSpace(e.Title) != "" {
		return e.Title
	}
	return e.Text
}

// Meta is the example's community, author, sentiment and engagement on one line.
func (e *Example) Meta() string {
	var parts []string
	if e.Community != "" {
		parts = append(parts, CommunityLabel(e.Source, e.Community))
	} else if e.Source != "" {
		parts = append(parts, e.Source)
	}
	if e.Author != "" {
		parts = append(parts, "by "+e.Author)
	}
	switch {
	case e.Unscored:
		parts = append(parts, "sentiment not scored (not English)")
	case e.Sentiment != "":
		parts = append(parts, fmt.Sprintf("%s (%+.2f)", e.Sentiment, e.SentimentScore))
	}
	parts = append(parts, fmt.Sprintf("score %d", e.Score))
	if e.Note != "" {
		parts = append(parts, e.Note)
	}
	return strings.Join(parts, " · ")
}

// CommunityLabel names a community the way its source does ("r/ollama" on Reddit).
func CommunityLabel(source, community string) string {
	if source == "reddit" && !strings.HasPrefix(community, "r/") {
		return "r/" + community
	}
	if source != "" && source != "reddit" {
		return community + " (" + source + ")"
	}
	return community
}

// oneLine collapses whitespace and cuts s to n runes with an ellipsis.
func oneLine(s string, n int) string {
	// One pass that stops at the limit: rules call this for every candidate, long posts too.
	var b strings.Builder
	written, cut := 0, 0 // runes written; bytes of the first n-1 of them
	put := func(r rune) bool {
		if written == n {
			return false
		}
		if written == n-1 {
			cut = b.Len()
		}
		b.WriteRune(r)
		written++
		return true
	}
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) {
			space = written > 0
			continue
		}
		if space && !put(' ') || !put(r) {
			return b.String()[:cut] + "…"
		}
		space = false
	}
	return b.String()
}

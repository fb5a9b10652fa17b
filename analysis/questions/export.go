package questions

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the header row WriteCSV writes. Columns are only ever added at the end, so a
// script reading them by position keeps working; "count" is the number of posts (as "posts").
var CSVHeader = []string{
	"rank", "score", "question", "count", "authors", "communities", "sources", "brands", "topics",
	"first_seen", "last_seen", "total_engagement", "avg_engagement", "unattended_share", "answered_share",
	"avg_sentiment", "variants", "urls", "cluster",
	"posts", "questions", "unattended", "asks_last_30d", "asks_prior_30d", "rising", "trend",
}

// listSep joins list values inside one CSV cell.
const listSep = " | "

// WriteCSV writes clusters as CSV for spreadsheets: UTF-8 with a byte-order
// mark (so Excel detects the encoding), a header row, RFC 4180 quoting, times
// in RFC 3339 UTC, and lists joined with " | ". Cells that a spreadsheet
// could run as a formula (starting with =, +, -, @, tab or carriage return)
// get a leading apostrophe, unless they are plain numbers.
func WriteCSV(w io.Writer, clusters []Cluster) error {
	bw := bufio.NewWriter(w)
	if _, err := bw.WriteString("\ufeff"); err != nil {
		return fmt.Errorf("questions: write csv: %w", err)
	}
	cw := csv.NewWriter(bw)
	if err := cw.Write(CSVHeader); err != nil {
		return fmt.Errorf("questions: write csv: %w", err)
	}
	for _, c := range clusters {
		row := []string{
			strconv.Itoa(c.Rank), num(c.Score), c.Question, strconv.Itoa(c.Count), strconv.Itoa(c.Authors),
			strings.Join(c.Communities, listSep), strings.Join(c.Sources, listSep),
			strings.Join(c.Brands, listSep), strings.Join(c.Topics, listSep),
			timeCell(c.FirstSeen), timeCell(c.LastSeen), strconv.Itoa(c.TotalEngagement), num(c.AvgEngagement),
			num(c.UnattendedShare), num(c.AnsweredShare), num(c.AvgSentiment),
			strings.Join(c.Variants, listSep), strings.Join(c.URLs, listSep), c.ID,
			strconv.Itoa(c.Posts), strconv.Itoa(c.Questions), strconv.Itoa(c.Unattended),
			strconv.Itoa(c.AsksLast30d), strconv.Itoa(c.AsksPrior30d), strconv.FormatBool(c.Rising), c.Trend,
		}
		for i := range row {
			row[i] = SafeCell(row[i])
		}
		if err := cw.Write(row); err != nil {
			return fmt.Errorf("questions: write csv: %w", err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("questions: write csv: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("questions: write csv: %w", err)
	}
	return nil
}

// SafeCell neutralises a spreadsheet formula: a cell starting with =, +, -,
// @, tab or carriage return gets a leading apostrophe (OWASP's advice), unless
// it is a plain number such as "-0.25". Other cells are returned unchanged.
func SafeCell(s string) string {
	if s == "" || !strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return s
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "\t\r") {
		return s
	}
	return "'" + s
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func timeCell(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// WriteJSON writes clusters as one indented JSON object,
// {"clusters": [Cluster…]}, with snake_case keys and RFC 3339 times.
func WriteJSON(w io.Writer, clusters []Cluster) error {
	if clusters == nil {
		clusters = []Cluster{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(struct {
		Clusters []Cluster `json:"clusters"`
	}{clusters}); err != nil {
		return fmt.Errorf("questions: write json: %w", err)
	}
	return nil
}

// WriteMarkdown writes clusters as a content brief ready to paste into a
// document: one section per recurring question with its evidence (in how many
// posts, by how many people, where, whether it is rising, when, engagement,
// whether the brand answered, mood), the other wordings people use, and
// example links. User text is escaped so it cannot break the Markdown.
func WriteMarkdown(w io.Writer, clusters []Cluster, title string) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	if title == "" {
		title = "Recurring questions"
	}
	p("# %s\n\n", mdEscape(title))
	if len(clusters) == 0 {
		p("No recurring questions matched.\n")
		return flushMD(bw)
	}
	total := 0
	for _, c := range clusters {
		total += c.Posts
	}
	p("%d recurring questions (asked in %s), most worth answering first. ", len(clusters), plural(total, "post", "posts"))
	p("Rank score = frequency × recency × engagement × unattended × specificity: specific questions asked by many people, recently, with engagement and without an answer from the brand come first.\n")
	for _, c := range clusters {
		p("\n## %d. %s\n\n", c.Rank, mdEscape(c.Question))
		who := "in " + plural(c.Posts, "post", "posts")
		if c.Questions > c.Posts {
			who += " (" + plural(c.Questions, "question", "questions") + ")"
		}
		if c.Authors > 0 {
			who += " by " + plural(c.Authors, "person", "people")
		}
		p("- **Asked** %s", who)
		if len(c.Communities) > 0 {
			p(" in %s", mdEscape(joinMax(c.Communities, 5)))
		}
		p("\n")
		if c.Trend != "" {
			p("- **Trend** %s: %s in the last 30 days, %d in the 30 before\n", c.Trend, plural(c.AsksLast30d, "ask", "asks"), c.AsksPrior30d)
		}
		if !c.FirstSeen.IsZero() {
			p("- **Seen** %s to %s\n", c.FirstSeen.UTC().Format("2006-01-02"), c.LastSeen.UTC().Format("2006-01-02"))
		}
		p("- **Engagement** %d in total, %s per post on average\n", c.TotalEngagement, strconv.FormatFloat(c.AvgEngagement, 'f', 1, 64))
		p("- **Unanswered by the brand** in %d of %s (%d%%)\n", c.Unattended, plural(c.Posts, "post", "posts"), int(c.UnattendedShare*100+0.5))
		p("- **Mood** %s (%+.2f)\n", mood(c.AvgSentiment), c.AvgSentiment)
		if len(c.Brands) > 0 || len(c.Topics) > 0 {
			p("- **About** %s\n", mdEscape(strings.Join(append(append([]string{}, c.Brands...), c.Topics...), ", ")))
		}
		p("- **Rank score** %s\n", num(c.Score))
		if len(c.Variants) > 0 {
			p("\nAlso asked as:\n\n")
			for _, v := range c.Variants {
				p("- %s\n", mdEscape(v))
			}
		}
		if len(c.URLs) > 0 {
			p("\nExamples:\n\n")
			for _, u := range c.URLs {
				p("- <%s>\n", strings.NewReplacer("<", "%3C", ">", "%3E", " ", "%20").Replace(u))
			}
		}
	}
	return flushMD(bw)
}

func flushMD(bw *bufio.Writer) error {
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("questions: write markdown: %w", err)
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

func joinMax(ss []string, k int) string {
	if len(ss) <= k {
		return strings.Join(ss, ", ")
	}
	return strings.Join(ss[:k], ", ") + fmt.Sprintf(" and %d more", len(ss)-k)
}

func mood(s float64) string {
	switch {
	case s <= -0.25:
		return "negative"
	case s >= 0.25:
		return "positive"
	default:
		return "neutral"
	}
}

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`, "<", `\<`, ">", `\>`,
	"#", `\#`, "|", `\|`, "\r", " ", "\n", " ",
)

// mdEscape makes user text inert in Markdown: one line, no emphasis, links,
// HTML, headings or table cells, and no list marker at its start.
func mdEscape(s string) string {
	s = mdEscaper.Replace(strings.TrimSpace(s))
	if s != "" && strings.ContainsRune("-+=", rune(s[0])) {
		s = `\` + s
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i > 0 && (s[i] == '.' || s[i] == ')') {
		s = s[:i] + `\` + s[i:] // "1. foo" would start an ordered list
	}
	return s
}

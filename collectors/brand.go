package collectors

import (
	"errors"
	"fmt"
	"strings"
)

// Brand is a brand Overhear listens for.
type Brand struct {
	// Name is how the brand appears in metrics, the API and alerts.
	Name string `yaml:"name" json:"name"`
	// Query selects the mentions of the brand (see ParseQuery).
	Query string `yaml:"query" json:"query"`
	// Accounts are the brand's own user names per source ("reddit": ["acme_official"]).
	// A mention in a thread none of them joined is unattended.
	Accounts map[string][]string `yaml:"accounts,omitempty" json:"accounts,omitempty"`
}

// Topic is a subject Overhear listens for without a brand behind it.
type Topic struct {
	Name  string `yaml:"name" json:"name"`
	Query string `yaml:"query" json:"query"`
}

// IsAccount reports whether author is one of the brand's accounts on source.
// User names compare case-insensitively, as Reddit, HN and Discourse treat them.
func (b *Brand) IsAccount(source, author string) bool {
	if author == "" {
		return false
	}
	for _, a := range b.Accounts[source] {
		if strings.EqualFold(strings.TrimPrefix(a, "u/"), author) {
			return true
		}
	}
	return false
}

// Validate checks the brand's name and query. Query errors wrap *QueryError.
func (b *Brand) Validate() error {
	if err := validateName(b.Name); err != nil {
		return err
	}
	if _, err := ParseQuery(b.Query); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return nil
}

// Validate checks the topic's name and query.
func (t *Topic) Validate() error {
	if err := validateName(t.Name); err != nil {
		return err
	}
	if _, err := ParseQuery(t.Query); err != nil {
		return fmt.Errorf("query: %w", err)
	}
	return nil
}

func validateName(name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return errors.New("name: must not be empty")
	case len(name) > 100:
		return errors.New("name: longer than 100 bytes")
	case strings.ContainsAny(name, "\x00\n\r"):
		return errors.New("name: must be one line")
	}
	return nil
}

// Watch is what collectors receive about the brands and topics: the search terms derived from
// their queries and the brands' account names, as plain data.
type Watch struct {
	// Terms are the words and phrases whose presence can make some query match, for sources
	// that search (Reddit, Hacker News, Discourse).
	Terms []string
	// Queries are the brand and topic queries as written, for sources that accept them verbatim.
	Queries []string
	// Accounts lists the brands' account names per source.
	Accounts map[string][]string
}

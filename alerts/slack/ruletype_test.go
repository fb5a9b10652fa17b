package slack_test

import (
	"strings"
	"testing"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/rules/mention"
	"github.com/overhear/overhear/alerts/slack"
)

// A registered rule type's emoji marks its header like a built-in type's.
func TestRenderRegisteredRuleTypeEmoji(t *testing.T) {
	m := slack.Render(alerts.Alert{Rule: "mention", Type: mention.Type, Brand: "Acme", Title: "New mention: Acme", Keys: []string{"k"}})
	if h := m.Blocks[0].Text.Text; !strings.HasPrefix(h, ":speech_balloon: New mention: Acme") {
		t.Errorf("header = %q", h)
	}
	m = slack.Render(alerts.Alert{Rule: "x", Type: "unknown_type", Title: "Something"})
	if h := m.Blocks[0].Text.Text; h != "Something" {
		t.Errorf("header of an unknown type = %q", h)
	}
}

// Package webhook delivers alerts as JSON to any HTTP endpoint (a chat bridge, an incident
// tool, a script).
//
// The body is the alert itself plus a version and a plain-text rendering:
//
//	{"version": "1", "sink": "ops", "text": "Volume spike: Acme\n…", "rule": "volume_spike",
//	 "type": "volume_spike", "brand": "Acme", "keys": ["volume_spike/Acme/2026-11-23T10:00Z"],
//	 "title": "…", "summary": "…", "fields": [{"name": "…", "value": "…"}],
//	 "examples": [{"source": "reddit", "id": "…", "url": "https://…", …}], "more": 3,
//	 "at": "2026-11-23T10:00:00Z"}
//
// Text fields are not escaped for any markup: the receiver owns its format.
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/collectors"
)

// Version is the payload's version; it changes only if a field changes meaning.
const Version = "1"

// Config configures a Notifier.
type Config struct {
	// Name is the sink's name, in logs and in the payload.
	Name string
	// URL receives the POST; it is treated as a secret (it often carries a token).
	URL collectors.Secret
	// Timeout bounds one request (default 10s).
	Timeout time.Duration
	// MinInterval is the pause between messages (default 0).
	MinInterval time.Duration
}

// Payload is the JSON body.
type Payload struct {
	Version string `json:"version"`
	Sink    string `json:"sink"`
	// Text is the alert rendered as plain text.
	Text string `json:"text"`
	alerts.Alert
}

// Notifier posts alerts to one URL.
type Notifier struct {
	cfg    Config
	client *http.Client
	logger *slog.Logger
	now    func() time.Time
	post   alerts.PostFunc
}

var _ alerts.Notifier = (*Notifier)(nil)
var _ alerts.Paced = (*Notifier)(nil)

// New checks the config and builds the HTTP client. Errors never contain the URL.
func New(cfg Config, logger *slog.Logger) (*Notifier, error) {
	if cfg.URL == "" {
		return nil, errors.New("webhook: url is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Notifier{cfg: cfg, client: alerts.NewHTTPClient(cfg.Timeout), logger: logger.With("sink", cfg.Name), now: time.Now, post: alerts.PostJSON}, nil
}

// MinInterval implements alerts.Paced.
func (n *Notifier) MinInterval() time.Duration { return n.cfg.MinInterval }

// Notify implements alerts.Notifier. 2xx is success; 408, 429 (with Retry-After) and 5xx are
// retryable; other statuses are permanent.
func (n *Notifier) Notify(ctx context.Context, a alerts.Alert) error {
	body, err := json.Marshal(Payload{Version: Version, Sink: n.cfg.Name, Text: a.Text(), Alert: a})
	if err != nil {
		return alerts.Permanent(fmt.Errorf("webhook: encode alert: %w", err))
	}
	err = alerts.Send(ctx, n.post, n.client, "webhook", n.cfg.URL.Reveal(), body, n.now())
	if err == nil {
		n.logger.Debug("webhook alert posted", "rule", a.Rule, "brand", a.Brand, "bytes", len(body))
	}
	return err
}

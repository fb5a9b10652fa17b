// Package slack delivers alerts to a Slack incoming webhook as Block Kit messages.
//
// It is a small net/http poster with the few Block Kit types it needs, not
// github.com/slack-go/slack. slack-go's webhook call (PostWebhookCustomHTTPContext) discards
// Slack's error body (it checks the status with a discarding reader), and that body —
// invalid_payload, no_service, channel_not_found, channel_is_archived, action_prohibited — is
// what tells a permanent failure from a passing one and what the operator needs in the log. It
// also wraps the transport error, whose *url.Error prints the webhook URL, i.e. the secret.
// The Block Kit subset used here is a handful of structs, and Slack's escaping rules are three
// replacements, so the dependency (and its websocket and socket-mode baggage) buys nothing.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/collectors"
)

// Config configures a Notifier.
type Config struct {
	// Name is the sink's name, for logs.
	Name string
	// WebhookURL is the incoming webhook URL; it never appears in logs or errors.
	WebhookURL collectors.Secret
	// Timeout bounds one request (default 10s).
	Timeout time.Duration
	// MinInterval is the pause between messages (default 1s: Slack allows about one message per
	// second per webhook, and answers 429 with Retry-After beyond that).
	MinInterval time.Duration
}

// Notifier posts alerts to one Slack incoming webhook.
type Notifier struct {
	cfg    Config
	client *http.Client
	logger *slog.Logger
	now    func() time.Time
	// post sends the request; tests replace it.
	post alerts.PostFunc
}

var _ alerts.Notifier = (*Notifier)(nil)
var _ alerts.Paced = (*Notifier)(nil)

// New checks the config and builds the HTTP client. Errors never contain the URL.
func New(cfg Config, logger *slog.Logger) (*Notifier, error) {
	if cfg.WebhookURL == "" {
		return nil, errors.New("slack: webhook_url is required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MinInterval < 0 {
		cfg.MinInterval = 0
	} else if cfg.MinInterval == 0 {
		cfg.MinInterval = time.Second
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Notifier{
		cfg: cfg, client: alerts.NewHTTPClient(cfg.Timeout), logger: logger.With("sink", cfg.Name),
		now: time.Now, post: alerts.PostJSON,
	}, nil
}

// MinInterval implements alerts.Paced.
func (n *Notifier) MinInterval() time.Duration { return n.cfg.MinInterval }

// Notify implements alerts.Notifier. Slack answers 200 "ok"; 429 (with Retry-After) and 5xx
// are retryable; other statuses (400 invalid_payload, 403, 404 no_service, 410
// channel_is_archived) are permanent, with Slack's error code in the message.
func (n *Notifier) Notify(ctx context.Context, a alerts.Alert) error {
	body, err := Render(a).JSON()
	if err != nil {
		return alerts.Permanent(fmt.Errorf("slack: encode message: %w", err))
	}
	err = alerts.Send(ctx, n.post, n.client, "slack", n.cfg.WebhookURL.Reveal(), body, n.now())
	if err == nil {
		n.logger.Debug("slack message posted", "rule", a.Rule, "brand", a.Brand, "bytes", len(body))
	}
	return err
}

package webhook_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/alerts/alertstest"
	"github.com/overhear/overhear/alerts/webhook"
	"github.com/overhear/overhear/collectors"
)

func TestNotify(t *testing.T) {
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		resp      alertstest.Response
		wantErr   bool
		permanent bool
	}{
		"200":        {resp: alertstest.OK},
		"204":        {resp: alertstest.Response{Status: 204}},
		"404":        {resp: alertstest.NoService, wantErr: true, permanent: true},
		"429":        {resp: alertstest.RateLimited, wantErr: true},
		"503":        {resp: alertstest.Response{Status: 503}, wantErr: true},
		"redirected": {resp: alertstest.Response{Status: 302}, wantErr: true, permanent: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			fake := alertstest.NewFakeSlack(t)
			fake.Script(tc.resp)
			n, err := webhook.New(webhook.Config{Name: "ops", URL: collectors.Secret(fake.URL()), Timeout: time.Second}, slog.Default())
			if err != nil {
				t.Fatal(err)
			}
			err = n.Notify(context.Background(), alerts.SampleAlert("Acme", at))
			if (err != nil) != tc.wantErr || (err != nil && alerts.IsPermanent(err) != tc.permanent) {
				t.Fatalf("Notify() = %v", err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("URL leaked: %v", err)
			}
			var p webhook.Payload
			if err := json.Unmarshal(fake.Payloads()[0], &p); err != nil {
				t.Fatal(err)
			}
			if p.Version != "1" || p.Sink != "ops" || p.Brand != "Acme" || p.Rule != "test" || !strings.HasPrefix(p.Text, "Test alert: Acme\n") || len(p.Examples) != 1 {
				t.Errorf("payload = %+v", p)
			}
		})
	}
}

func TestNotifyLeaksNoSecret(t *testing.T) {
	fake := alertstest.NewFakeSlack(t)
	url := fake.URL() + "?token=s3cr3tquery"
	fake.Server.Close()
	n, err := webhook.New(webhook.Config{Name: "ops", URL: collectors.Secret(url), Timeout: time.Second}, slog.Default())
	if err != nil {
		t.Fatal(err)
	}
	err = n.Notify(context.Background(), alerts.SampleAlert("Acme", time.Now()))
	if err == nil || alerts.IsPermanent(err) {
		t.Fatalf("Notify to a closed server = %v, want a retryable error", err)
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("URL leaked: %v", err)
	}
}

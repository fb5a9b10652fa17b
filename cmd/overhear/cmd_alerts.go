package main

import (
	"context"
	"net/http"

	"github.com/overhear/overhear/storage"
)

// Alerting is wired here by the alerts issue; until then nothing is evaluated or pending.

func (a *App) evaluateAlerts(ctx context.Context) error { return nil }

func (a *App) recentAlerts(ctx context.Context, n int) ([]string, error) { return nil, nil }

func pendingAlerts(ctx context.Context, db *storage.DB) (int64, error) { return 0, nil }

func runAlerts(ctx context.Context, m *Main, args []string) error {
	return usagef("alerts are not available yet")
}

func (s *server) alerts(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, map[string]any{"alerts": []any{}})
}

package storage_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/overhear/overhear/alerts"
	"github.com/overhear/overhear/storage"
)

var obT0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func openOutboxDB(tb testing.TB, path string) *storage.DB {
	tb.Helper()
	db, err := storage.Open(context.Background(), path, storage.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	return db
}

func entry(sink, title string, at time.Time) alerts.Entry {
	return alerts.Entry{Sink: sink, State: alerts.StatePending, CreatedAt: at, UpdatedAt: at,
		Alert: alerts.Alert{Rule: "volume_spike", Brand: "Acme", Title: title, Keys: []string{title}, At: at}}
}

func TestOutboxLifecycleSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "overhear.db")
	db := openOutboxDB(t, path)
	got, err := db.EnqueueAlerts(ctx, []alerts.Entry{entry("team", "a", obT0), entry("ops", "a", obT0), entry("team", "b", obT0.Add(time.Minute))},
		map[string]time.Time{"e:a": obT0, "g:volume_spike/Acme": obT0})
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Seq == 0 || got[1].Seq <= got[0].Seq || got[2].Seq <= got[1].Seq {
		t.Fatalf("seqs not increasing: %d %d %d", got[0].Seq, got[1].Seq, got[2].Seq)
	}
	sent := got[0]
	sent.State = alerts.StateSent
	if err := db.UpdateAlert(ctx, sent); err != nil {
		t.Fatal(err)
	}
	if err := db.UpdateAlert(ctx, alerts.Entry{Seq: 999}); !errors.Is(err, alerts.ErrEntryNotFound) {
		t.Errorf("UpdateAlert(missing) = %v, want ErrEntryNotFound", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// A restart finds what was pending, in order, and the notify log.
	db = openOutboxDB(t, path)
	defer db.Close()
	pending, err := db.PendingAlerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 2 || pending[0].Seq != got[1].Seq || pending[1].Seq != got[2].Seq || pending[1].Alert.Title != "b" {
		t.Fatalf("pending after reopen = %+v", pending)
	}
	counts, err := db.PendingAlertCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["team"] != 1 || counts["ops"] != 1 {
		t.Errorf("PendingAlertCounts = %v", counts)
	}
	logged, err := db.NotifyLogged(ctx, []string{"e:a", "e:zzz", "g:volume_spike/Acme"})
	if err != nil {
		t.Fatal(err)
	}
	if len(logged) != 2 || !logged["e:a"].Equal(obT0) {
		t.Errorf("NotifyLogged = %v", logged)
	}
	recent, err := db.RecentAlerts(ctx, 2, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recent) != 2 || recent[0].Seq != got[2].Seq {
		t.Errorf("RecentAlerts(2) = %+v, want newest first", recent)
	}
	recent, _ = db.RecentAlerts(ctx, 0, obT0.Add(30*time.Second))
	if len(recent) != 1 || recent[0].Alert.Title != "b" {
		t.Errorf("RecentAlerts(since) = %+v", recent)
	}
}

func TestOutboxPruneKeepsPending(t *testing.T) {
	ctx := context.Background()
	db := openOutboxDB(t, filepath.Join(t.TempDir(), "overhear.db"))
	defer db.Close()
	old := obT0.Add(-30 * 24 * time.Hour)
	got, err := db.EnqueueAlerts(ctx, []alerts.Entry{entry("team", "old sent", old), entry("team", "old pending", old), entry("team", "new", obT0)},
		map[string]time.Time{"e:old": old, "e:new": obT0})
	if err != nil {
		t.Fatal(err)
	}
	got[0].State = alerts.StateSent
	if err := db.UpdateAlert(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	if err := db.PruneAlerts(ctx, obT0.Add(-14*24*time.Hour), obT0.Add(-7*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	all, _ := db.RecentAlerts(ctx, 0, time.Time{})
	if len(all) != 2 || all[1].Alert.Title != "old pending" {
		t.Errorf("after prune: %+v", all)
	}
	logged, _ := db.NotifyLogged(ctx, []string{"e:old", "e:new"})
	if _, ok := logged["e:old"]; ok || len(logged) != 1 {
		t.Errorf("notify log after prune = %v", logged)
	}
}

func TestOutboxReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "overhear.db")
	db := openOutboxDB(t, path)
	if _, err := db.EnqueueAlerts(ctx, []alerts.Entry{entry("team", "a", obT0)}, nil); err != nil {
		t.Fatal(err)
	}
	db.Close()
	ro, err := storage.Open(ctx, path, storage.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	counts, err := ro.PendingAlertCounts(ctx)
	if err != nil || counts["team"] != 1 {
		t.Errorf("read-only PendingAlertCounts = %v, %v", counts, err)
	}
}

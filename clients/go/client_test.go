package kovastore_test

// Against a live `kova db serve`: KOVA_STORE_URL and KOVA_STORE_KEY (packages/cli/test/db-clients.test.ts
// starts the server and sets them). Without them the tests are skipped, loudly.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	kovastore "github.com/kova-lang/kova/clients/go"
)

func live(t *testing.T) (*kovastore.Client, string) {
	t.Helper()
	url, key := os.Getenv("KOVA_STORE_URL"), os.Getenv("KOVA_STORE_KEY")
	if url == "" || key == "" {
		t.Skip("SKIPPED: KOVA_STORE_URL and KOVA_STORE_KEY are not set (no live kova db serve)")
	}
	return kovastore.New(url, key), fmt.Sprintf("go%d", os.Getpid())
}

type person struct {
	Name string `json:"name"`
}

func TestPutGetAsOfHistoryDelete(t *testing.T) {
	db, prefix := live(t)
	ctx := context.Background()
	key := prefix + "/ada"
	first, err := db.Put(ctx, "people", key, person{"Ada"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	second, err := db.Put(ctx, "people", key, person{"Ada L"})
	if err != nil || second.Version <= first.Version {
		t.Fatalf("second put: %v %+v", err, second)
	}
	var now, then person
	if err := db.Get(ctx, "people", key, &now); err != nil || now.Name != "Ada L" {
		t.Fatalf("get: %v %+v", err, now)
	}
	if err := db.GetAt(ctx, "people", key, first.At, &then); err != nil || then.Name != "Ada" {
		t.Fatalf("get at: %v %+v", err, then)
	}
	history, err := db.History(ctx, "people", key)
	if err != nil || len(history) != 2 || history[0].Operation != "insert" || history[1].Operation != "update" {
		t.Fatalf("history: %v %+v", err, history)
	}
	deleted, err := db.Delete(ctx, "people", key)
	if err != nil || !deleted {
		t.Fatalf("delete: %v %v", err, deleted)
	}
	if again, _ := db.Delete(ctx, "people", key); again {
		t.Fatal("a second delete found a value")
	}
	err = db.Get(ctx, "people", key, &now)
	if !errors.Is(err, kovastore.ErrKeyNotFound) || !errors.Is(err, kovastore.ErrNotFound) {
		t.Fatalf("get after delete: %v", err)
	}
	collections, err := db.Collections(ctx)
	if err != nil || !contains(collections, "people") {
		t.Fatalf("collections: %v %v", err, collections)
	}
}

func TestListPagesAndBatch(t *testing.T) {
	db, prefix := live(t)
	ctx := context.Background()
	items := []kovastore.BatchItem{}
	for i := 0; i < 25; i++ {
		items = append(items, kovastore.BatchItem{Collection: "gopages", Key: fmt.Sprintf("%s-%02d", prefix, i), Value: i})
	}
	items = append(items, kovastore.BatchItem{Collection: "gopages", Key: prefix + "-00", Delete: true})
	result, err := db.Batch(ctx, items)
	if err != nil || result.Written != 26 {
		t.Fatalf("batch: %v %+v", err, result)
	}
	page, err := db.List(ctx, "gopages", kovastore.ListOptions{Prefix: prefix, Limit: 10})
	if err != nil || len(page.Items) != 10 || page.Cursor == "" || page.Items[0].Key != prefix+"-01" {
		t.Fatalf("first page: %v %+v", err, page)
	}
	next, err := db.List(ctx, "gopages", kovastore.ListOptions{Prefix: prefix, Limit: 10, Cursor: page.Cursor})
	if err != nil || next.Items[0].Key != prefix+"-11" {
		t.Fatalf("second page: %v %+v", err, next)
	}
}

func TestErrorsNameTheInput(t *testing.T) {
	db, _ := live(t)
	ctx := context.Background()
	cases := []struct {
		err    error
		kind   error
		detail string
	}{
		{second(db.Put(ctx, "people", "a/../b", 1)), kovastore.ErrInvalidKey, "'..'"},
		{second(db.Put(ctx, "people", "tab\there", 1)), kovastore.ErrInvalidKey, "control character"},
		{second(db.Put(ctx, "people", "", 1)), kovastore.ErrInvalidKey, "must not be empty"},
		{second(db.Put(ctx, "people", strings.Repeat("k", 1025), 1)), kovastore.ErrInvalidKey, "over the limit"},
		{second(db.Put(ctx, "bad-name", "k", 1)), kovastore.ErrInvalidCollection, "bad-name"},
		{db.GetAtText(ctx, "people", "x", "last tuesday", nil), kovastore.ErrInvalidInstant, "last tuesday"},
		{second(db.List(ctx, "nosuchcollection", kovastore.ListOptions{})), kovastore.ErrCollectionNotFound, "nosuchcollection"},
		{second(db.Put(ctx, "people", "big", strings.Repeat("x", 1024*1024+10))), kovastore.ErrValueTooLarge, "over the limit"},
		{second(db.Batch(ctx, []kovastore.BatchItem{{Collection: "people", Key: ""}})), kovastore.ErrInvalidKey, "empty"},
		{kovastore.New(os.Getenv("KOVA_STORE_URL"), "kovadb_wrong").Get(ctx, "people", "x", nil), kovastore.ErrUnauthorized, ""},
	}
	for i, c := range cases {
		var problem *kovastore.ProblemError
		if !errors.Is(c.err, c.kind) || !errors.As(c.err, &problem) || !strings.Contains(problem.Detail, c.detail) {
			t.Errorf("case %d: want %v with %q, got %v", i, c.kind, c.detail, c.err)
		}
	}
	_, err := db.Batch(ctx, []kovastore.BatchItem{{Collection: "people", Key: "ok", Value: 1}, {Collection: "people", Key: ""}})
	var problem *kovastore.ProblemError
	if !errors.As(err, &problem) || problem.Field != "items[1].key" {
		t.Errorf("batch refusal names the item: %v", err)
	}
}

func TestWatchInOrderAndContextCancel(t *testing.T) {
	db, prefix := live(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 1; i <= 3; i++ {
		if _, err := db.Put(ctx, "gofeed", prefix, i); err != nil {
			t.Fatal(err)
		}
	}
	var seen []string
	err := db.Watch(ctx, "gofeed", kovastore.WatchOptions{FromStart: true}, func(c kovastore.Change) error {
		if c.Key == prefix {
			seen = append(seen, c.Operation+":"+string(c.Value))
		}
		if len(seen) == 3 {
			return kovastore.ErrStop
		}
		return nil
	})
	if err != nil || strings.Join(seen, ",") != "insert:1,update:2,update:3" {
		t.Fatalf("watch: %v %v", err, seen)
	}
	short, stop := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer stop()
	if err := db.Watch(short, "gofeed", kovastore.WatchOptions{}, func(kovastore.Change) error { return nil }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a cancelled watch ends with its context's error, got %v", err)
	}
	if err := db.Watch(ctx, "nosuchcollection", kovastore.WatchOptions{}, func(kovastore.Change) error { return nil }); !errors.Is(err, kovastore.ErrCollectionNotFound) {
		t.Fatalf("watching a missing collection: %v", err)
	}
}

func second[T any](_ T, err error) error { return err }

func contains(list []string, want string) bool {
	for _, s := range list {
		if s == want {
			return true
		}
	}
	return false
}

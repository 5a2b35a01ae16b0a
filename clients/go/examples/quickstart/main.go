// The docs' Go example (docs/store.md), run by the tests against a live server:
//
//	KOVA_STORE_URL=http://127.0.0.1:7878 KOVA_STORE_KEY=kovadb_… go run ./examples/quickstart
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	kovastore "github.com/kova-lang/kova/clients/go"
)

type user struct {
	Name string `json:"name"`
}

func main() {
	ctx := context.Background()
	db := kovastore.New(os.Getenv("KOVA_STORE_URL"), os.Getenv("KOVA_STORE_KEY"))

	first, err := db.Put(ctx, "users", "alice", user{"Alice"})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Put(ctx, "users", "alice", user{"Alice B"}); err != nil {
		log.Fatal(err)
	}
	var now, then user
	if err := db.Get(ctx, "users", "alice", &now); err != nil {
		log.Fatal(err)
	}
	if err := db.GetAt(ctx, "users", "alice", first.At, &then); err != nil {
		log.Fatal(err)
	}
	fmt.Println(now.Name, "was", then.Name) // Alice B was Alice

	_, err = db.Batch(ctx, []kovastore.BatchItem{{Collection: "users", Key: "bob", Value: user{"Bob"}}})
	if err != nil {
		log.Fatal(err)
	}
	page, err := db.List(ctx, "users", kovastore.ListOptions{Prefix: "b"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(page.Items), "key with prefix b") // 1 key with prefix b

	err = db.Get(ctx, "users", "alic", &now)
	if errors.Is(err, kovastore.ErrKeyNotFound) {
		fmt.Println(err) // Key 'users/alic' not found. Did you mean users/alice? …
	}
}

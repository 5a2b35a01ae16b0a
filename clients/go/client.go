// Package kovastore is a client for Kova's versioned store server (kova db serve): every write is
// a version, and any key reads as of any instant. Standard library only; every call takes a
// context.Context. See docs/store.md in the Kova repository.
package kovastore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client talks to one server. Safe for concurrent use.
type Client struct {
	base   string
	apiKey string
	// HTTP is the client requests go through (set its Transport for TLS settings).
	HTTP *http.Client
}

// New returns a client for the server at baseURL (like "http://127.0.0.1:7878"), sending apiKey
// in the x-api-key header.
func New(baseURL, apiKey string) *Client {
	return &Client{base: strings.TrimRight(baseURL, "/"), apiKey: apiKey, HTTP: &http.Client{}}
}

// Written is what a write returns: the new version and its instant.
type Written struct {
	Collection string    `json:"collection"`
	Key        string    `json:"key"`
	Version    int64     `json:"version"`
	At         time.Time `json:"at"`
}

// Version is one version of a key; for a delete, Value holds the value it removed.
type Version struct {
	Version   int64           `json:"version"`
	Operation string          `json:"operation"`
	At        time.Time       `json:"at"`
	Value     json.RawMessage `json:"value"`
}

// Entry is a key and its current value.
type Entry struct {
	Key   string          `json:"key"`
	Value json.RawMessage `json:"value"`
}

// Page is one page of a list; pass Cursor back in ListOptions for the next ("" on the last page).
type Page struct {
	Items  []Entry `json:"items"`
	Cursor string  `json:"cursor,omitempty"`
}

// ListOptions narrows a list: keys starting with Prefix, at most Limit (default 100) after Cursor.
type ListOptions struct {
	Prefix string
	Limit  int
	Cursor string
}

// BatchItem writes Value (any JSON-encodable value) under Collection/Key, or deletes it when Delete.
type BatchItem struct {
	Collection string `json:"collection"`
	Key        string `json:"key"`
	Value      any    `json:"value,omitempty"`
	Delete     bool   `json:"delete,omitempty"`
}

// BatchResult counts the versions a batch wrote.
type BatchResult struct {
	Written     int    `json:"written"`
	LastVersion *int64 `json:"lastVersion,omitempty"`
}

// Put writes value (anything encoding/json encodes) as the key's new version.
func (c *Client) Put(ctx context.Context, collection, key string, value any) (Written, error) {
	body, err := json.Marshal(value)
	if err != nil {
		return Written{}, &ProblemError{Type: "urn:kova:problem:store:invalid-value", Detail: fmt.Sprintf("invalid value for %s/%s: %v", collection, key, err)}
	}
	var out Written
	err = c.do(ctx, http.MethodPut, keyPath(collection, key), nil, body, &out)
	return out, err
}

// Get decodes the key's current value into out; an error matching ErrKeyNotFound when it has none.
func (c *Client) Get(ctx context.Context, collection, key string, out any) error {
	return c.get(ctx, collection, key, nil, out)
}

// GetAt decodes the value the key held at the instant into out.
func (c *Client) GetAt(ctx context.Context, collection, key string, at time.Time, out any) error {
	return c.get(ctx, collection, key, url.Values{"at": {at.UTC().Format(time.RFC3339Nano)}}, out)
}

// GetAtText is GetAt with the instant as text (ISO 8601 or epoch milliseconds), checked by the server.
func (c *Client) GetAtText(ctx context.Context, collection, key, at string, out any) error {
	return c.get(ctx, collection, key, url.Values{"at": {at}}, out)
}

func (c *Client) get(ctx context.Context, collection, key string, query url.Values, out any) error {
	var answer struct {
		Value json.RawMessage `json:"value"`
	}
	if err := c.do(ctx, http.MethodGet, keyPath(collection, key), query, nil, &answer); err != nil {
		return err
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(answer.Value, out)
}

// Delete deletes the key's value (a version is recorded); false when it had none.
func (c *Client) Delete(ctx context.Context, collection, key string) (bool, error) {
	var answer struct {
		Deleted bool `json:"deleted"`
	}
	err := c.do(ctx, http.MethodDelete, keyPath(collection, key), nil, nil, &answer)
	return answer.Deleted, err
}

// History returns every version of the key, oldest first.
func (c *Client) History(ctx context.Context, collection, key string) ([]Version, error) {
	var answer struct {
		Versions []Version `json:"versions"`
	}
	err := c.do(ctx, http.MethodGet, keyPath(collection, key)+"/history", nil, nil, &answer)
	return answer.Versions, err
}

// List returns one page of the collection's keys in order.
func (c *Client) List(ctx context.Context, collection string, options ListOptions) (Page, error) {
	query := url.Values{}
	if options.Prefix != "" {
		query.Set("prefix", options.Prefix)
	}
	if options.Limit != 0 {
		query.Set("limit", strconv.Itoa(options.Limit))
	}
	if options.Cursor != "" {
		query.Set("cursor", options.Cursor)
	}
	var page Page
	err := c.do(ctx, http.MethodGet, "/v1/kv/"+url.PathEscape(collection), query, nil, &page)
	return page, err
}

// Collections lists the store's collections.
func (c *Client) Collections(ctx context.Context) ([]string, error) {
	var answer struct {
		Collections []string `json:"collections"`
	}
	err := c.do(ctx, http.MethodGet, "/v1/collections", nil, nil, &answer)
	return answer.Collections, err
}

// Batch writes all items in one transaction: all of them, or none.
func (c *Client) Batch(ctx context.Context, items []BatchItem) (BatchResult, error) {
	for i := range items {
		// A put of a nil value stores JSON null: send it explicitly (omitempty would drop it).
		if !items[i].Delete && items[i].Value == nil {
			items[i].Value = json.RawMessage("null")
		}
	}
	body, err := json.Marshal(map[string]any{"items": items})
	if err != nil {
		return BatchResult{}, &ProblemError{Type: "urn:kova:problem:store:invalid-value", Detail: fmt.Sprintf("a batch value is not JSON: %v", err)}
	}
	var out BatchResult
	err = c.do(ctx, http.MethodPost, "/v1/batch", nil, body, &out)
	return out, err
}

func keyPath(collection, key string) string {
	// PathEscape leaves '/' alone in a segment only when told: escape it, so a key may hold '/'.
	return "/v1/kv/" + url.PathEscape(collection) + "/" + strings.ReplaceAll(url.PathEscape(key), "/", "%2F")
}

func (c *Client) request(ctx context.Context, method, path string, query url.Values, body []byte) (*http.Request, error) {
	target := c.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	var reader io.Reader
	if body != nil {
		reader = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, reader)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("content-type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("x-api-key", c.apiKey)
	}
	return req, nil
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, out any) error {
	req, err := c.request(ctx, method, path, query, body)
	if err != nil {
		return err
	}
	req.Header.Set("accept", "application/json")
	res, err := c.HTTP.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	if res.StatusCode >= 400 {
		return problemFrom(res.StatusCode, data)
	}
	return json.Unmarshal(data, out)
}

func problemFrom(status int, data []byte) error {
	problem := &ProblemError{Status: status}
	if err := json.Unmarshal(data, problem); err != nil || problem.Type == "" {
		problem.Detail = strings.TrimSpace(string(data))
	}
	_ = json.Unmarshal(data, &problem.Extra)
	problem.Status = status
	return problem
}

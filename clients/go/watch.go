package kovastore

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Change is one committed write, from the collection's change feed.
type Change struct {
	Collection string          `json:"collection"`
	Key        string          `json:"key"`
	Version    int64           `json:"version"`
	Operation  string          `json:"operation"`
	At         time.Time       `json:"at"`
	Value      json.RawMessage `json:"value"`
}

// WatchOptions: Since starts after that version (0 with FromStart: from the first change);
// without either, only changes from now on.
type WatchOptions struct {
	Since     int64
	FromStart bool
}

// Watch streams the collection's changes (server-sent events) to fn until ctx is cancelled or fn
// returns an error (which Watch returns; return ErrStop to end cleanly). A dropped connection is
// reopened after the last change seen, so none is missed or repeated.
func (c *Client) Watch(ctx context.Context, collection string, options WatchOptions, fn func(Change) error) error {
	last := options.Since
	resume := options.Since > 0 || options.FromStart
	for {
		query := url.Values{}
		if resume {
			query.Set("since", strconv.FormatInt(last, 10))
		}
		err := c.watchOnce(ctx, collection, query, func(change Change) error {
			last = change.Version
			resume = true
			return fn(change)
		})
		if errors.Is(err, ErrStop) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var problem *ProblemError
		if errors.As(err, &problem) || (err != nil && !errors.Is(err, errDropped)) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// ErrStop, returned by a Watch callback, ends the watch without an error.
var ErrStop = errors.New("stop watching")

var errDropped = errors.New("the change feed's connection dropped")

func (c *Client) watchOnce(ctx context.Context, collection string, query url.Values, fn func(Change) error) error {
	req, err := c.request(ctx, http.MethodGet, "/v1/watch/"+url.PathEscape(collection), query, nil)
	if err != nil {
		return err
	}
	req.Header.Set("accept", "text/event-stream")
	res, err := c.HTTP.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return errDropped
	}
	defer res.Body.Close()
	if res.StatusCode >= 400 {
		data := make([]byte, 0, 1024)
		buf := bufio.NewReader(res.Body)
		for {
			line, err := buf.ReadBytes('\n')
			data = append(data, line...)
			if err != nil {
				break
			}
		}
		return problemFrom(res.StatusCode, data)
	}
	scanner := bufio.NewScanner(res.Body)
	scanner.Buffer(make([]byte, 64*1024), 16*1024*1024)
	var data []string
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" {
			if len(data) > 0 {
				var change Change
				if err := json.Unmarshal([]byte(strings.Join(data, "\n")), &change); err != nil {
					return err
				}
				data = data[:0]
				if err := fn(change); err != nil {
					return err
				}
			}
			continue
		}
		if strings.HasPrefix(line, "data:") {
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return errDropped
}

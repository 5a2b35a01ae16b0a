package kovastore

import (
	"errors"
	"fmt"
)

// Sentinel errors, one per kind of refusal: test with errors.Is(err, kovastore.ErrKeyNotFound).
// Every error the client returns for a problem response is a *ProblemError that matches one of
// these (and errors.As gives the whole problem).
var (
	ErrInvalidKey         = errors.New("invalid key")
	ErrInvalidCollection  = errors.New("invalid collection")
	ErrInvalidValue       = errors.New("invalid value")
	ErrValueTooLarge      = errors.New("value too large")
	ErrInvalidInstant     = errors.New("invalid instant")
	ErrNotFound           = errors.New("not found")
	ErrCollectionNotFound = errors.New("collection not found")
	ErrKeyNotFound        = errors.New("key not found")
	ErrReadOnly           = errors.New("read-only collection")
	ErrInvalidRequest     = errors.New("invalid request")
	ErrUnauthorized       = errors.New("unauthorized")
)

// ProblemError is an RFC 9457 problem the server answered with. Its Detail names the input and
// the fix.
type ProblemError struct {
	Status int    `json:"status"`
	Type   string `json:"type"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Code   string `json:"code,omitempty"`
	Hint   string `json:"hint,omitempty"`
	Field  string `json:"field,omitempty"`
	// Errors lists the request's bad parameters (a parameter check's problem), by field.
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors,omitempty"`
	Extra map[string]any `json:"-"`
}

func (e *ProblemError) Error() string {
	if e.Detail != "" {
		return e.Detail
	}
	return fmt.Sprintf("HTTP %d %s", e.Status, e.Title)
}

var byType = map[string][]error{
	"urn:kova:problem:store:invalid-key":          {ErrInvalidKey},
	"urn:kova:problem:store:invalid-collection":   {ErrInvalidCollection},
	"urn:kova:problem:store:invalid-value":        {ErrInvalidValue},
	"urn:kova:problem:store:missing-value":        {ErrInvalidValue},
	"urn:kova:problem:malformed-json":             {ErrInvalidValue},
	"urn:kova:problem:store:value-too-large":      {ErrValueTooLarge, ErrInvalidValue},
	"urn:kova:problem:payload-too-large":          {ErrValueTooLarge, ErrInvalidValue},
	"urn:kova:problem:store:invalid-instant":      {ErrInvalidInstant},
	"urn:kova:problem:store:collection-not-found": {ErrCollectionNotFound, ErrNotFound},
	"urn:kova:problem:store:key-not-found":        {ErrKeyNotFound, ErrNotFound},
	"urn:kova:problem:not-found":                  {ErrNotFound},
	"urn:kova:problem:store:read-only-collection": {ErrReadOnly},
	"urn:kova:problem:store:invalid-limit":        {ErrInvalidRequest},
	"urn:kova:problem:store:invalid-cursor":       {ErrInvalidRequest},
	"urn:kova:problem:store:invalid-batch":        {ErrInvalidRequest},
	"urn:kova:problem:invalid-parameter":          {ErrInvalidRequest},
	"urn:kova:problem:validation-failed":          {ErrInvalidRequest},
	"urn:kova:problem:unauthorized":               {ErrUnauthorized},
}

// Is makes errors.Is(err, ErrKeyNotFound) (and the other sentinels) work on a *ProblemError.
func (e *ProblemError) Is(target error) bool {
	// An empty key in the URL path is refused by the server's parameter check, before the store.
	if target == ErrInvalidKey && e.Type == "urn:kova:problem:invalid-parameter" {
		for _, issue := range e.Errors {
			if issue.Field == "key" {
				return true
			}
		}
	}
	for _, kind := range byType[e.Type] {
		if kind == target {
			return true
		}
	}
	switch e.Status {
	case 401:
		return target == ErrUnauthorized
	case 404:
		return target == ErrNotFound
	case 413:
		return target == ErrValueTooLarge
	}
	return false
}

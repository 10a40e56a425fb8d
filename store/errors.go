package store

import (
	"errors"
	"fmt"
)

// ErrInUse is what Open and Compact return, wrapped in a message naming the
// file, when another process (a running server) holds the store file's lock.
// Test it with errors.Is.
var ErrInUse = errors.New("store in use by another studyroll process")

// inUseError keeps its full message and unwraps to ErrInUse.
type inUseError struct{ msg string }

func (e *inUseError) Error() string { return e.msg }
func (e *inUseError) Unwrap() error { return ErrInUse }

func inUse(format string, args ...any) error { return &inUseError{fmt.Sprintf(format, args...)} }

// Kind classifies an Error; handlers map each kind to one HTTP status.
type Kind int

// The kinds of error the store and the rules produce.
const (
	KindInternal     Kind = iota // a bug or an I/O failure: logged, never shown
	KindMalformed                // the input could not be read at all (400)
	KindUnauthorized             // no or bad credentials (401)
	KindForbidden                // authenticated, but not allowed (403)
	KindNotFound                 // unknown id (404)
	KindConflict                 // the request clashes with the current state (409)
	KindTooLarge                 // the input is over its size limit (413)
	KindInvalid                  // well-formed input with invalid values (422)
	KindTooMany                  // rate limited (429)
	KindUnavailable              // the store is closed or the disk is full (503)
	KindUnsupported              // a file of a type not accepted (415)
)

// Error is the one error type of studyroll. Code is the stable, machine
// readable word sent to clients ("not_found", "bad_code" …); Fields names the
// offending input fields (or CSV lines) with a reason each.
type Error struct {
	Kind    Kind
	Code    string
	Message string
	Fields  map[string]string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error of the given kind and code.
func Errorf(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Message: fmt.Sprintf(format, args...)}
}

// NotFound reports an unknown id of the given entity ("member", "session" …).
func NotFound(entity, id string) *Error {
	return &Error{Kind: KindNotFound, Code: "not_found", Message: fmt.Sprintf("%s %q not found", entity, id)}
}

// Invalid reports invalid values, one reason per field.
func Invalid(fields map[string]string) *Error {
	msg := "invalid input"
	if len(fields) == 1 {
		for k, v := range fields {
			msg = k + ": " + v
		}
	}
	return &Error{Kind: KindInvalid, Code: "invalid", Message: msg, Fields: fields}
}

// Forbidden reports an action the caller may not take.
func Forbidden(format string, args ...any) *Error {
	return Errorf(KindForbidden, "forbidden", format, args...)
}

// Conflict reports a clash with the current state under the given code.
func Conflict(code, format string, args ...any) *Error {
	return Errorf(KindConflict, code, format, args...)
}

// ErrorKind returns the kind of err, KindInternal for foreign errors.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// IsKind reports whether err is an *Error of kind k.
func IsKind(err error, k Kind) bool { return err != nil && ErrorKind(err) == k }

// FieldErrors collects per-field reasons while validating a request.
type FieldErrors map[string]string

// Add records a reason for field unless one is already there.
func (f FieldErrors) Add(field, reason string) {
	if _, ok := f[field]; !ok {
		f[field] = reason
	}
}

// Err returns an Invalid error when any field failed, else nil.
func (f FieldErrors) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f)
}

// ErrorCode returns the code of an *Error, "" for other errors.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

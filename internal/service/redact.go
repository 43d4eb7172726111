package service

import (
	"errors"
	"net/url"
	"strings"
)

// redact removes a connection string's password from an error message.
func redact(err error, uri string) error {
	if err == nil || uri == "" {
		return err
	}
	msg := err.Error()
	if u, perr := url.Parse(uri); perr == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "REDACTED")
		}
	}
	return errors.New(strings.ReplaceAll(msg, uri, "(DB_URL)"))
}

package collectors

import (
	"fmt"
	"os"
	"strings"
)

// Secret is a config value that must never be printed: its String, JSON and text forms are
// masked. Use Reveal where the value is needed.
type Secret string

const masked = "<secret>"

// String implements fmt.Stringer with a mask.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return masked
}

// GoString masks %#v too.
func (s Secret) GoString() string { return s.String() }

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// MarshalText implements encoding.TextMarshaler with a mask, so dumps of a config never leak.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (s *Secret) UnmarshalText(b []byte) error {
	*s = Secret(b)
	return nil
}

// ResolveSecret combines a secret given inline and one given as a file path (the `*_file`
// variant of a key). Setting both is an error that names both keys. A file's content is
// trimmed of surrounding whitespace.
func ResolveSecret(value Secret, file, key string) (Secret, error) {
	if value != "" && file != "" {
		return "", fmt.Errorf("%s and %s_file are both set; use one", key, key)
	}
	if file == "" {
		return value, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		// The path is not secret; the content is never shown.
		return "", fmt.Errorf("%s_file: %w", key, err)
	}
	v := strings.TrimSpace(string(b))
	if v == "" {
		return "", fmt.Errorf("%s_file: %s is empty", key, file)
	}
	return Secret(v), nil
}

package main

import (
	"context"
	"strings"
	"testing"
)

// TestSeenRetentionFlag checks that a bad --seen-retention, from the flag or the environment,
// is a usage error (exit 2) naming the setting.
func TestSeenRetentionFlag(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		environ map[string]string
		args    []string
	}{
		{"flag", nil, []string{"demo", "--exit", "--seen-retention", "a month"}},
		{"zero", nil, []string{"demo", "--exit", "--seen-retention", "0"}},
		{"env", map[string]string{"TRUSTD_SEEN_RETENTION": "30d"}, []string{"demo", "--exit"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			code, _, stderr := runCmd(t, context.Background(), "", c.environ, c.args...)
			if code != 2 || !strings.Contains(stderr, "--seen-retention") {
				t.Errorf("exit %d, stderr %q: want 2 and the flag named", code, stderr)
			}
		})
	}
}

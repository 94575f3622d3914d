package rules

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("github.com/redis/go-redis/v9/internal/pool.(*ConnPool).reaper"))
}

// engines are the matcher engines every test runs against.
var engines = []Engine{EnginePositional, EngineCloudflare, EngineRunes}

// mustCompile loads the default rules plus extra files and compiles them with engine e.
func mustCompile(t testing.TB, e Engine, extra ...*File) *Set {
	t.Helper()
	files, err := Load(Default())
	if err != nil {
		t.Fatal(err)
	}
	s, err := Compile(append(files, extra...), CompileOptions{Engine: e})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

package cli

import (
	"testing"

	"github.com/caseload/caseload/cli/internal/clitest"
)

// TestMain removes the binary some tests build (clitest.Binary).
func TestMain(m *testing.M) { clitest.Main(m) }

// caseloadBinary is the real binary, built once (prompt, serve and deploy tests run it).
func caseloadBinary(t *testing.T) string { return clitest.Binary(t) }

//go:build faultinject

package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// With the faultinject build tag, PORTOLAN_FAULT=pause:PHASE makes every
// dataset build print "paused at PHASE" to stderr and wait there forever (to
// be killed), and PORTOLAN_FAULT=fail:PHASE makes it fail there, as that
// phase failing would (see dataset.Options.Phase). The tests that kill an
// ingest at each phase build the binary with it; release builds never have it.
func init() {
	how, at, ok := strings.Cut(os.Getenv("PORTOLAN_FAULT"), ":")
	if !ok {
		return
	}
	phaseHook = func(phase string) error {
		if phase != at {
			return nil
		}
		switch how {
		case "pause":
			fmt.Fprintf(os.Stderr, "paused at %s\n", phase)
			for {
				time.Sleep(time.Hour)
			}
		case "fail":
			return fmt.Errorf("injected failure at %s", phase)
		}
		return nil
	}
}

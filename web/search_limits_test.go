package web_test

import (
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/portolan/portolan/web"
)

// excluded32 is a search of 32 excluded words (within the 200 bytes q may
// have): it matches every flow and checks each against every word, the
// costliest search there is.
func excluded32() string {
	words := make([]string, 32)
	for i := range words {
		words[i] = "-w" + strconv.Itoa(10+i)
	}
	return strings.Join(words, " ")
}

// A search of 32 excluded words answers within its deadline: with room, the
// listing; past the deadline, a 400 saying so, never a 5xx or a wait.
func TestSearchOf32ExcludedWordsAnswersWithinItsDeadline(t *testing.T) {
	db, idx := ownSynthDataset(t, 3000, 6, true)
	target := "/flows?q=" + url.QueryEscape(excluded32())

	roomy := web.New(slog.New(slog.DiscardHandler), db, idx, web.WithCache(0, 0))
	if r := get(t, roomy, target); r.Status != http.StatusOK {
		t.Errorf("with the default deadline: status %d, want 200: %.300s", r.Status, r.Body)
	}

	const deadline = time.Nanosecond // past before the search starts: the refusal is certain
	tight := web.New(slog.New(slog.DiscardHandler), db, idx, web.WithCache(0, 0), web.WithSearchLimits(deadline, 1))
	start := time.Now()
	r := get(t, tight, target)
	took := time.Since(start)
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "did not finish within 1ns") {
		t.Errorf("past its deadline: status %d, want 400 saying so: %.300s", r.Status, r.Body)
	}
	// Generous for a loaded machine: the point is that it does not run on.
	if took > 2*time.Second {
		t.Errorf("answered after %v", took)
	}
	if r := get(t, tight, "/api/v1/flows?q="+url.QueryEscape(excluded32())); r.Status != http.StatusBadRequest {
		t.Errorf("API past its deadline: status %d, want 400", r.Status)
	}
}

// Many expensive searches sent at once, with one slot for them, all answer
// (the listing, or the 400 of one that waited its whole deadline for its
// turn), and a cheap search sent meanwhile answers.
func TestManyExpensiveSearchesAtOnceAllAnswer(t *testing.T) {
	db, idx := ownSynthDataset(t, 3000, 6, true)
	h := web.New(slog.New(slog.DiscardHandler), db, idx, web.WithCache(0, 0), web.WithSearchLimits(300*time.Millisecond, 1))
	var wg sync.WaitGroup
	var mu sync.Mutex
	statuses := map[int]int{}
	for i := range 12 {
		wg.Go(func() {
			r := get(t, h, "/api/v1/flows?limit=1&offset="+strconv.Itoa(i)+"&q="+url.QueryEscape(excluded32()))
			mu.Lock()
			statuses[r.Status]++
			mu.Unlock()
		})
	}
	if r := get(t, h, "/api/v1/flows?limit=5&q=ldap"); r.Status != http.StatusOK {
		t.Errorf("cheap search during the expensive ones: status %d: %.300s", r.Status, r.Body)
	}
	wg.Wait()
	if statuses[http.StatusOK]+statuses[http.StatusBadRequest] != 12 || statuses[http.StatusOK] == 0 {
		t.Errorf("statuses %v: want each 200 or 400, some 200", statuses)
	}
}

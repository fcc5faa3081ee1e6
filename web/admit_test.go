package web

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// slotServer serves h behind the admit middleware of a server with n work
// slots, over a real HTTP server.
func slotServer(t *testing.T, n int, h http.HandlerFunc) (*Server, *httptest.Server) {
	t.Helper()
	s := &Server{}
	WithWorkSlots(n)(s)
	ts := httptest.NewServer(s.admit(h))
	t.Cleanup(ts.Close)
	return s, ts
}

// A request waits while the slots are taken by requests working, and gets one
// as soon as a response starts: what follows (a long download to a slow
// reader) does not hold the slot.
func TestAdmitSlotFreedWhenResponseStarts(t *testing.T) {
	entered := make(chan string, 2)
	sent, finish := make(chan struct{}), make(chan struct{})
	_, ts := slotServer(t, 1, func(w http.ResponseWriter, r *http.Request) {
		entered <- r.URL.Path
		if r.URL.Path == "/slow" {
			<-sent // still working: holds the slot
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			<-finish // sending the rest: no slot
		}
	})
	defer close(finish)
	go func() {
		if res, err := http.Get(ts.URL + "/slow"); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	}()
	if p := <-entered; p != "/slow" {
		t.Fatalf("first handler: %s", p)
	}
	done := make(chan error, 1)
	go func() {
		res, err := http.Get(ts.URL + "/next")
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	select {
	case p := <-entered:
		t.Fatalf("%s entered while the only slot was taken by a request still working", p)
	case <-time.After(300 * time.Millisecond):
	}
	close(sent)
	select {
	case p := <-entered:
		if p != "/next" {
			t.Fatalf("second handler: %s", p)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the waiting request never got the slot after the first response started")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// A request whose client goes away while it waits does no work and takes no
// slot with it.
func TestAdmitClientGoneWhileWaiting(t *testing.T) {
	release := make(chan struct{})
	worked := make(chan string, 3)
	s, ts := slotServer(t, 1, func(w http.ResponseWriter, r *http.Request) {
		worked <- r.URL.Path
		if r.URL.Path == "/hold" {
			<-release
		}
	})
	go http.Get(ts.URL + "/hold")
	<-worked
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, ts.URL+"/gone", nil)
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Fatal("request with a cancelled client answered while the slot was taken")
	}
	// The server notices the client leave on its own time.
	for deadline := time.Now().Add(30 * time.Second); s.Waiting() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request of a client gone still waits for a slot")
		}
	}
	close(release)
	res, err := http.Get(ts.URL + "/after")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if p := <-worked; p != "/after" {
		t.Fatalf("handler ran for %s; want only /after after /hold", p)
	}
}

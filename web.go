// web.go is the live view, go run . -web: an HTTP server on this machine
// that serves one page (the files in web/, embedded in the binary, so a
// classroom needs no network), streams the session's runs to every page
// that watches (Server-Sent Events, GET /events), and takes the class's
// commands back (POST /command), which the session (websession.go) runs
// as the console runs typed ones. The terminal keeps the log, and takes
// commands too.
//
// Only the page itself may drive the cluster: a command must come as JSON
// in a POST whose Host and Origin headers name this server, so that another
// site open in the same browser, or a page that has rebound its own name to
// this machine's address, cannot. The server listens on loopback unless
// given an address to listen beyond it, and then warns.

package main

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"
)

//go:embed web
var webFiles embed.FS

// webListener is where the server listens, and the names a request may
// give it in its Host header.
type webListener struct {
	net.Listener
	url     string          // what to open in a browser
	hosts   map[string]bool // Host headers that name this server
	anyIP   bool            // listening on every interface: a Host that is an IP address names it too
	warning string          // listening beyond loopback: who else can drive the cluster
}

// listenWeb listens at addr, as -web gives it: a port alone (":8080")
// means loopback; a host means that host, and any address that is not
// loopback gets a warning.
func listenWeb(addr string) (*webListener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("%s is not an address such as :8080 or localhost:8080", quoteTyped(addr))
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return nil, fmt.Errorf("%s is not an IP address of this machine (or localhost)", quoteTyped(host))
	}
	listener, err := net.Listen("tcp", net.JoinHostPort(host, port))
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return nil, fmt.Errorf("%s is in use by another program; choose another port, such as -web :8081", net.JoinHostPort(host, port))
	case err != nil:
		return nil, err
	}
	port = strconv.Itoa(listener.Addr().(*net.TCPAddr).Port) // the one chosen, for port 0
	l := &webListener{Listener: listener, url: "http://localhost:" + port + "/", anyIP: ip.IsUnspecified(),
		hosts: map[string]bool{"localhost:" + port: true, net.JoinHostPort(host, port): true, "127.0.0.1:" + port: true}}
	if !ip.IsLoopback() {
		l.warning = fmt.Sprintf("-web %s listens beyond this machine: anyone who can reach it on the network can open the page and drive the cluster.", addr)
		if !l.anyIP {
			l.url = "http://" + net.JoinHostPort(host, port) + "/"
		}
	}
	return l, nil
}

// networkURLs are the page's addresses on this machine's networks, IPv4
// first, for a listener on every interface; none for one that is not.
func networkURLs(l *webListener) []string {
	if !l.anyIP {
		return nil
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	addrs, _ := net.InterfaceAddrs()
	var v4, v6 []string
	for _, a := range addrs {
		ip, ok := a.(*net.IPNet)
		if !ok || ip.IP.IsLoopback() || ip.IP.IsLinkLocalUnicast() {
			continue
		}
		url := "http://" + net.JoinHostPort(ip.IP.String(), port) + "/"
		if ip.IP.To4() != nil {
			v4 = append(v4, url)
		} else {
			v6 = append(v6, url)
		}
	}
	return append(v4, v6...)
}

// names reports whether host, a request's Host header, names this server.
func (l *webListener) names(host string) bool {
	if l.hosts[host] {
		return true
	}
	if !l.anyIP {
		return false
	}
	name, port, err := net.SplitHostPort(host)
	_, ours, _ := net.SplitHostPort(l.Addr().String())
	// An address typed as digits cannot have been rebound by a page's DNS.
	return err == nil && port == ours && net.ParseIP(name) != nil
}

// webServer answers the page's requests for one session.
type webServer struct {
	listener *webListener
	feed     *webFeed
	commands chan<- webCommand // to the session's goroutine
	quit     chan struct{}     // closed as the session ends: every stream returns
	files    http.Handler
}

// newWebServer is a server at listener that passes the page's commands
// on to the session's goroutine.
func newWebServer(listener *webListener, commands chan<- webCommand) *webServer {
	files, err := fs.Sub(webFiles, "web")
	if err != nil {
		panic(err) // the embedded folder is there: the build checked it
	}
	return &webServer{listener: listener, feed: newWebFeed(), commands: commands,
		quit: make(chan struct{}), files: http.FileServerFS(files)}
}

// Handler routes the page's requests, after checking that each names
// this server.
func (s *webServer) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /events", s.stream)
	mux.HandleFunc("POST /command", s.command)
	mux.Handle("GET /", s.files)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.listener.names(r.Host) {
			refuse(w, http.StatusMisdirectedRequest, fmt.Sprintf("this server does not answer to the name %s", strconv.Quote(r.Host)))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// refuse answers a request with status and a one-line reason, as JSON.
func refuse(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": reason})
}

// streamTick is how often a stream sends the clock while the run moves, so
// the page's picture keeps pace with it; and streamBatch how long a stream
// gathers events before it sends them, so a burst goes in one write.
const (
	streamTick  = 250 * time.Millisecond
	streamBatch = 20 * time.Millisecond
)

// stream sends the page the session's runs as Server-Sent Events: each
// run's header and base state, its events, its checker's verdict, and its
// clock, until the page goes or the session ends. While nothing moves it
// sends nothing.
func (s *webServer) stream(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	flusher := http.NewResponseController(w)
	var cursor feedCursor
	ticker := time.NewTicker(streamTick)
	defer ticker.Stop()
	for {
		u := s.feed.update(&cursor)
		var tick <-chan time.Time
		if u.run != nil { // else the session's first run has yet to begin
			clock := clockOf(u.run, u.live)
			writeEvent(&u.messages, "clock", mustJSON(clock))
			if _, err := w.Write(u.messages.Bytes()); err != nil {
				return
			}
			if flusher.Flush() != nil {
				return
			}
			if clock.Live && !clock.Paused {
				tick = ticker.C
			}
		}
		if u.more {
			continue // the page can draw what it was sent; its history follows at once
		}
		select {
		case <-u.changed:
			batch := time.NewTimer(streamBatch)
			select {
			case <-batch.C:
			case <-r.Context().Done():
			case <-s.quit:
			}
			batch.Stop()
		case <-tick:
		case <-r.Context().Done():
			return
		case <-s.quit:
			return
		}
	}
}

// commandRequest is the body of POST /command.
type commandRequest struct {
	Command string `json:"command"` // a console command the page's buttons make, such as "crash 3"
	// AtMs, if given, is the moment of the run the page showed, in the
	// run's past: the command acts there, on a fork of the run.
	AtMs *float64 `json:"at_ms"`
}

// mostCommandBytes bounds a command's body: the longest command a button
// makes is a partition of nine nodes or a put.
const mostCommandBytes = 4 << 10

// command takes one command from the page and answers when the session has
// run it: 200 with ok true; 200 with ok false and why, for a command the
// cluster refused, having changed nothing (an answer, not a failed
// request, so the browser logs no error for it); or a 4xx that says why
// the request itself is refused.
func (s *webServer) command(w http.ResponseWriter, r *http.Request) {
	cmd, status, err := s.readCommand(r)
	if err != nil {
		refuse(w, status, err.Error())
		return
	}
	select {
	case s.commands <- cmd:
	case <-r.Context().Done():
		return
	case <-s.quit:
		refuse(w, http.StatusServiceUnavailable, "the session has ended")
		return
	}
	select {
	case err = <-cmd.reply:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": err.Error()})
		return
	}
	io.WriteString(w, `{"ok":true}`+"\n")
}

// readCommand checks a command request and reads it, or says which status
// and why it is refused.
func (s *webServer) readCommand(r *http.Request) (webCommand, int, error) {
	origin := r.Header.Get("Origin")
	switch {
	case origin != "http://"+r.Host:
		return webCommand{}, http.StatusForbidden, errors.New("commands are taken only from this server's own page (the Origin header must name it)")
	case !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json"):
		return webCommand{}, http.StatusUnsupportedMediaType, errors.New("a command comes as JSON: Content-Type application/json")
	}
	var req commandRequest
	decoder := json.NewDecoder(http.MaxBytesReader(nil, r.Body, mostCommandBytes))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&req); err != nil {
		return webCommand{}, http.StatusBadRequest, fmt.Errorf("the body is not a command such as {\"command\": \"crash 3\"}: %v", err)
	}
	if decoder.More() {
		return webCommand{}, http.StatusBadRequest, errors.New("the body holds more than one command")
	}
	words := commandWords(req.Command)
	if len(words) == 0 || !pageCommands[words[0]] {
		return webCommand{}, http.StatusBadRequest, fmt.Errorf("%s is not a command the page sends", quoteTyped(abridge(req.Command, 40)))
	}
	cmd := webCommand{line: req.Command, reply: make(chan error, 1)}
	if req.AtMs != nil {
		if !(*req.AtMs >= 0 && *req.AtMs <= longestTraceMs) { // also refuses NaN
			return webCommand{}, http.StatusBadRequest, fmt.Errorf("at_ms %g is not a moment of the run", *req.AtMs)
		}
		cmd.past, cmd.at = true, fromMilliseconds(*req.AtMs)
	}
	return cmd, 0, nil
}

// webView runs the session behind the page: it listens, says where, and
// serves until the terminal quits or stop aborts. It returns the exit
// code.
func webView(cfg Config, opts webOptions, stdin io.Reader, out, stderr io.Writer, stop *runStop) int {
	listener, err := listenWeb(opts.addr)
	if err != nil {
		fmt.Fprintln(stderr, "raft: -web: "+escapeControl(err.Error()))
		return exitUsage
	}
	width := terminalWidth()
	if listener.warning != "" {
		writeHanging(out, "", "!!! "+listener.warning, width, violationStyle)
	}
	writeHanging(out, "", fmt.Sprintf("The page is at %s: open it in a browser. Commands typed here act too (help lists them); Ctrl-C stops.",
		listener.url), width, narrationStyle)
	if urls := networkURLs(listener); len(urls) > 0 {
		writeHanging(out, "", "From another machine: "+strings.Join(urls, " or ")+".", width, nil)
	}
	if len(opts.recorded) > 0 {
		writeHanging(out, "", fmt.Sprintf("Replay: the page plays each recorded run %g times slower than real time. Its messages take the time they took when it was recorded: run without -slow or -latency, they arrive the moment they leave, too fast to see fly.",
			cfg.Slowdown), width, nil)
	} else {
		tellSlowMotion(cfg, out, width)
	}
	warnOfBreakage(cfg.Break, out, width)
	return serveWeb(listener, cfg, opts, stdin, out, width, stop.abort)
}

// serveWeb runs a session of cfg behind the page at listener, taking
// commands from the page and from the lines of stdin, and printing the
// log to out, width columns wide, until quit is typed or abort closes.
// Then it stops the run and the server, and returns the exit code.
func serveWeb(listener *webListener, cfg Config, opts webOptions, stdin io.Reader, out io.Writer, width int, abort <-chan struct{}) int {
	commands := make(chan webCommand)
	server := newWebServer(listener, commands)
	stopServing := server.start()
	session := newWebSession(cfg, opts, server.feed, out, width)
	done := make(chan struct{})
	defer close(done)
	go sendLines(stdin, commands, func(line string) webCommand { return webCommand{line: line} }, done)
	code := session.serve(commands, abort)
	stopServing()
	return code
}

// start serves the page until the function it returns is called, which
// ends every stream, shuts the HTTP server down, and waits for it.
func (s *webServer) start() (stop func()) {
	httpServer := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		httpServer.Serve(s.listener)
	}()
	return func() {
		close(s.quit)
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		httpServer.Shutdown(shutdown)
		<-served
	}
}

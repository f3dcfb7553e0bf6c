// docs_test.go holds the README and docs/ to their word: every `go run .`
// command they show runs as written and exits as it should, every console
// script they show is taken line by line with no command refused, the
// classroom lesson tells the story docs/classroom.md tells of it, the
// README's excerpts of a run are what the run prints, and every test and
// flag a `go test` command names exists.

package main

import (
	"bytes"
	"cmp"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
)

// documentedCommand is one `go run .` command from a page of the docs,
// with the lines it pipes into the console, if any.
type documentedCommand struct {
	page  string
	args  []string
	stdin string
}

// checkExperimentQuote makes the docs' quote of -experiment's tables be
// checked too: its 11,000 trials would double the suite's time, so CI
// checks it in a run of its own.
var checkExperimentQuote = flag.Bool("experiment-quote", false, "also run -experiment's trials to check the tables docs/performance.md quotes")

// goRunCommand matches a command in a code block or in backquotes: an
// optional prompt, an optional printf piped in, and `go run .` with its
// flags up to a pipe, a redirection, a comment, a semicolon or the end of
// the code.
var goRunCommand = regexp.MustCompile(`(?:printf '([^']*)' \| )?go run \.((?: +[^ |>#;\n` + "`" + `]+)*)`)

// goTestRun matches the tests a documented `go test -run` selects.
var goTestRun = regexp.MustCompile(`go test [^` + "`" + `\n]*-run '?([^' ]+)'?`)

// documentedPages lists the README and every page of docs/.
func documentedPages(t *testing.T) []string {
	pages, err := filepath.Glob("docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	return append([]string{"README.md"}, pages...)
}

// documentedCommands reads every `go run .` command of page, in order.
func documentedCommands(t *testing.T, page string) []documentedCommand {
	text, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	var commands []documentedCommand
	for _, m := range goRunCommand.FindAllStringSubmatch(string(text), -1) {
		stdin := strings.ReplaceAll(m[1], `\n`, "\n")
		commands = append(commands, documentedCommand{page, strings.Fields(m[2]), stdin})
	}
	return commands
}

// Every `go run .` the docs show runs and exits as it should, in the order its page
// gives (so `-check run.jsonl` reads the trace the line before wrote), in
// a directory of its own. An experiment runs 5 trials per range instead
// of 1000, which changes only how long it takes. A -node command is one
// laptop's share of a cluster, which runs until stopped and needs the
// others: it is checked for its flags alone, and process_test.go runs
// such nodes.
func TestEveryDocumentedCommandRuns(t *testing.T) {
	ran := 0
	for _, page := range documentedPages(t) {
		t.Run(page, func(t *testing.T) {
			pagePath, _ := filepath.Abs(page)
			t.Chdir(t.TempDir())
			for _, cmd := range documentedCommands(t, pagePath) {
				if slices.Contains(cmd.args, "-experiment") { // as written, but with 5 trials per range
					if i := slices.Index(cmd.args, "-trials"); i >= 0 && i+1 < len(cmd.args) {
						cmd.args = slices.Delete(cmd.args, i, i+2)
					}
					cmd.args = append(cmd.args, "-trials", "5")
				}
				out := runDocumented(t, cmd)
				if strings.Contains(out, "(type help for the commands)") {
					t.Errorf("%s: %q refused a line of its script:\n%s", page, cmd.args, out)
				}
				ran++
			}
		})
	}
	if ran < 40 {
		t.Errorf("found %d documented commands; the docs show over 40", ran)
	}
}

// runDocumented runs one documented command in a synctest bubble, where
// slow motion and the console's waits pass in virtual time, and returns
// what it printed. It must exit 0, or 1 for a violation when it breaks a
// rule on purpose. A -web command serves on a free port of loopback
// instead of the one it names, and is told to quit at once.
func runDocumented(t *testing.T, cmd documentedCommand) string {
	t.Helper()
	args, stdin := joinWebAddress(slices.Clone(cmd.args)), cmd.stdin
	switch {
	case slices.Contains(args, "-node"):
		return checkNodeCommand(t, cmd)
	case slices.Contains(args, "-processes") && cmd.stdin == processesSession:
		return "" // TestProcessesConsole runs it, and checks what it says
	case slices.Contains(args, "-processes"):
		return runProcessesCommand(t, cmd)
	case slices.Contains(args, "-lab"):
		return runLabCommand(t, cmd)
	case slices.Contains(args, "-grade"), slices.Contains(args, "-lab-diff"):
		return checkNodeCommand(t, cmd) // they build copies with go: lab_test.go runs them
	}
	if slices.ContainsFunc(args, isWebFlag) {
		args, stdin = onAFreePort(args), "quit\n"
	}
	var stdout, stderr bytes.Buffer
	synctest.Test(t, func(t *testing.T) {
		code := run(args, strings.NewReader(stdin), &stdout, &stderr, noInterrupts)
		if code != exitSafe && !(code == exitViolation && slices.Contains(args, "-break")) {
			t.Errorf("%s: go run . %s: exit %d: %s", cmd.page, strings.Join(cmd.args, " "), code, stderr.String())
		}
	})
	return stdout.String() + stderr.String()
}

// isWebFlag reports whether arg is -web, with its address or without.
func isWebFlag(arg string) bool { return arg == "-web" || strings.HasPrefix(arg, "-web=") }

// onAFreePort has a -web among args serve on a free port of loopback
// instead of the one it names.
func onAFreePort(args []string) []string {
	if i := slices.IndexFunc(args, isWebFlag); i >= 0 {
		args[i] = "-web=127.0.0.1:0"
	}
	return args
}

// checkNodeCommand checks a documented -node command's flags, as the
// program reads them, without running the node.
func checkNodeCommand(t *testing.T, cmd documentedCommand) string {
	t.Helper()
	t.Setenv(clusterKeyVariable, "a key, in case the command takes it from the environment")
	if _, _, err := parseOptions(cmd.args); err != nil {
		t.Errorf("%s: go run . %s: %v", cmd.page, strings.Join(cmd.args, " "), err)
	}
	return ""
}

// projectDir is the project's directory, where the tests start.
var projectDir, _ = os.Getwd()

// runLabCommand runs a documented -lab in the project's directory, whose
// source it copies, and writes the copy to a directory of the test's of
// the same name.
func runLabCommand(t *testing.T, cmd documentedCommand) string {
	t.Helper()
	args := slices.Clone(cmd.args)
	last := len(args) - 1
	args[last] = filepath.Join(t.TempDir(), filepath.Base(args[last]))
	t.Chdir(projectDir)
	var stdout, stderr bytes.Buffer
	if code := run(args, strings.NewReader(""), &stdout, &stderr, nil); code != exitSafe {
		t.Errorf("%s: go run . %s: exit %d: %s", cmd.page, strings.Join(cmd.args, " "), code, stderr.String())
	}
	return stdout.String()
}

// runProcessesCommand runs a documented -processes command, whose nodes'
// processes are this test binary run as the program, with its script
// piped in, or else quits it at once. With -web it serves on a free port
// of loopback.
func runProcessesCommand(t *testing.T, cmd documentedCommand) string {
	t.Helper()
	args := onAFreePort(joinWebAddress(slices.Clone(cmd.args)))
	if !slices.Contains(args, "-data") {
		args = append(args, "-data", t.TempDir()) // not a new directory in the machine's temporary one
	}
	script := cmp.Or(cmd.stdin, "quit\n")
	var stdout, stderr bytes.Buffer
	if code := run(args, strings.NewReader(script), &stdout, &stderr, nil); code != exitSafe {
		t.Errorf("%s: go run . %s: exit %d: %s\nits nodes printed:\n%s", cmd.page, strings.Join(cmd.args, " "), code, stderr.String(), stdout.String())
	}
	return stdout.String()
}

// The lesson docs/classroom.md scripts for seed 1 tells the story the page
// tells of it: who leads which term, and that the two survivors of three
// crashes stand until a restart lets node 4 win term 16.
func TestClassroomLessonTellsItsStory(t *testing.T) {
	var lesson documentedCommand
	for _, cmd := range documentedCommands(t, "docs/classroom.md") {
		if strings.Contains(cmd.stdin, "partition") && slices.Contains(cmd.args, "-seed") {
			lesson = cmd
		}
	}
	if lesson.stdin == "" {
		t.Fatal("docs/classroom.md shows no scripted lesson with a seed")
	}
	path := filepath.Join(t.TempDir(), "lesson.jsonl")
	lesson.args = append(lesson.args, "-trace", path)
	runDocumented(t, lesson)
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	leaders := map[uint64]int{} // term: its leader
	var last uint64
	for _, l := range readTraceLines(t, file) {
		if l.Event == EventRole && l.Role == Leader.String() {
			leaders[l.Term] = l.Node
			last = max(last, l.Term)
		}
	}
	want := map[uint64]int{1: 4, 2: 2, 3: 5, 16: 4}
	for term, leader := range want {
		if leaders[term] != leader {
			t.Errorf("term %d was led by node %d; docs/classroom.md says node %d", term, leaders[term], leader)
		}
	}
	if last != 16 {
		t.Errorf("the last term with a leader is %d; docs/classroom.md says 16", last)
	}
}

// quotedBlock is a fenced block of a page of the docs that quotes what a
// command printed, or lines of the trace it wrote, and that command.
type quotedBlock struct {
	page, text string
	line       int                 // where the block starts on its page
	trace      bool                // it quotes the trace, not the output
	cmds       []documentedCommand // run in turn, the last quoted; none: the page names no command for it
}

// quotedSource is the comment that names, just before a quoted block, the
// command whose output (or trace, written with -trace) it quotes, after
// those it names before it, separated by "; ", which prepare its files:
// <!-- output of `go run . -seed 42` -->.
var quotedSource = regexp.MustCompile("^<!-- (output|trace) of `(.*)` -->$")

// quotedBlocks lists every fenced block of page but for the commands to
// type (sh), with the command it quotes: named by a comment just before
// it, or, in a console transcript, by its first line's "$ ".
func quotedBlocks(t *testing.T, page string) []quotedBlock {
	text, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(text), "\n")
	var blocks []quotedBlock
	for i := 0; i < len(lines); i++ {
		if !strings.HasPrefix(lines[i], "```") || strings.TrimPrefix(lines[i], "```") == "sh" {
			if strings.HasPrefix(lines[i], "```sh") {
				for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
				}
			}
			continue
		}
		block := quotedBlock{page: page, line: i + 1}
		source := ""
		if i > 0 {
			source = strings.TrimSpace(lines[i-1])
		}
		var body []string
		for i++; i < len(lines) && !strings.HasPrefix(lines[i], "```"); i++ {
			body = append(body, lines[i])
		}
		if m := quotedSource.FindStringSubmatch(source); m != nil {
			block.trace = m[1] == "trace"
			source = m[2]
		} else if len(body) > 0 && strings.HasPrefix(body[0], "$ ") {
			source, body = body[0][2:], body[1:]
		}
		for _, m := range goRunCommand.FindAllStringSubmatch(source, -1) {
			block.cmds = append(block.cmds, documentedCommand{page, strings.Fields(m[2]), strings.ReplaceAll(m[1], `\n`, "\n")})
		}
		block.text = strings.Join(body, "\n") + "\n"
		blocks = append(blocks, block)
	}
	return blocks
}

// checkQuotedBlocks fails the test unless every block the README and
// docs/ quote is what its command prints now (or writes to its trace),
// entry for entry and in order: a quote may leave entries out, or mark a
// gap with "...", but every entry it shows must be there, word for word.
// So no time, line or summary the docs quote can drift from the program.
func checkQuotedBlocks(t *testing.T) {
	t.Helper()
	var blocks []quotedBlock
	for _, page := range documentedPages(t) {
		blocks = append(blocks, quotedBlocks(t, page)...)
	}
	for _, block := range blocks {
		if len(block.cmds) == 0 {
			t.Errorf("%s:%d: a quoted block names no command (<!-- output of: go run . ... --> before it)", block.page, block.line)
			continue
		}
		t.Run(fmt.Sprintf("%s:%d", block.page, block.line), func(t *testing.T) { checkQuote(t, block) })
	}
	if len(blocks) < 8 {
		t.Errorf("found %d quoted blocks; the docs quote more", len(blocks))
	}
}

// checkQuote runs block's command in a directory of its own and checks
// that what it printed, or wrote to its trace, holds the block's entries.
func checkQuote(t *testing.T, block quotedBlock) {
	t.Helper()
	quoted := block.cmds[len(block.cmds)-1]
	if !*checkExperimentQuote && slices.Contains(quoted.args, "-experiment") {
		t.Skip("the experiment's 11,000 trials take 18 s: go test -run TheLogReadsAsDocumented -experiment-quote checks its tables (CI does)")
	}
	t.Chdir(t.TempDir())
	var printed string
	for _, cmd := range block.cmds {
		printed = runDocumented(t, cmd)
	}
	if block.trace {
		i := slices.Index(quoted.args, "-trace")
		if i < 0 || i+1 == len(quoted.args) {
			t.Fatalf("%s:%d: quotes a trace, but its command writes none", block.page, block.line)
		}
		data, err := os.ReadFile(quoted.args[i+1])
		if err != nil {
			t.Fatal(err)
		}
		printed = string(data)
	}
	rest := printed
	for _, entry := range logEntries(block.text) {
		if strings.TrimSpace(entry) == "..." || strings.TrimSpace(entry) == "" {
			continue
		}
		at := strings.Index(rest, entry)
		if at < 0 {
			t.Errorf("%s:%d: go run . %s does not print this, or not here:\n%s\nit printed:\n%s",
				block.page, block.line, strings.Join(quoted.args, " "), entry, printed)
			return
		}
		rest = rest[at+len(entry):]
	}
}

// logEntries cuts a block of output into entries: a line, with the lines
// indented under it that carry it on. An excerpt of the log may leave
// entries out between the ones it shows.
func logEntries(block string) []string {
	var entries []string
	for line := range strings.Lines(block) {
		if len(entries) > 0 && strings.HasPrefix(line, strings.Repeat(" ", 10)) {
			entries[len(entries)-1] += line
			continue
		}
		entries = append(entries, line)
	}
	return entries
}

// goTestFlags are the flags of go test itself that the docs use.
var goTestFlags = []string{"run", "v", "race", "short", "count", "bench", "benchmem", "benchtime", "fuzz", "fuzztime", "args"}

// Every `go test -run` the docs show selects at least one test, and every
// flag they pass to the tests is defined.
func TestDocumentedTestsExist(t *testing.T) {
	sources, err := filepath.Glob("*_test.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	declared := regexp.MustCompile(`(?m)^func ((?:Test|Benchmark|Fuzz)\w+)`)
	for _, source := range sources {
		text, err := os.ReadFile(source)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range declared.FindAllStringSubmatch(string(text), -1) {
			names = append(names, m[1])
		}
	}
	testFlag := regexp.MustCompile(`go test [^` + "`" + `\n]*`)
	for _, page := range documentedPages(t) {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goTestRun.FindAllStringSubmatch(string(text), -1) {
			if m[1] == "^$" || m[1] == "XXX" { // select no test, to run benchmarks alone
				continue
			}
			pattern := regexp.MustCompile(m[1])
			if !slices.ContainsFunc(names, pattern.MatchString) {
				t.Errorf("%s: go test -run %s selects no test", page, m[1])
			}
		}
		for _, command := range testFlag.FindAllString(string(text), -1) {
			for _, word := range strings.Fields(command) {
				name, isFlag := strings.CutPrefix(strings.SplitN(word, "=", 2)[0], "-")
				if isFlag && !slices.Contains(goTestFlags, name) && flag.Lookup(name) == nil {
					t.Errorf("%s: %q passes -%s, which neither go test nor the tests define", page, command, name)
				}
			}
		}
	}
}

// The reading maps, doc.go's and the README's, name every file of the
// program, so that a reader who follows either meets every file.
func TestReadingMapsNameEveryFile(t *testing.T) {
	sources, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, readmeMap, found := strings.Cut(string(readme), "## Reading map")
	readmeMap, _, _ = strings.Cut(readmeMap, "\n## ")
	doc, err := os.ReadFile("doc.go")
	if !found || err != nil {
		t.Fatalf("README.md has a reading map: %t; doc.go: %v", found, err)
	}
	for _, source := range sources {
		if strings.HasSuffix(source, "_test.go") {
			continue
		}
		if !strings.Contains(readmeMap, "`"+source+"`") {
			t.Errorf("the README's reading map does not name %s", source)
		}
		if source != "doc.go" && !regexp.MustCompile(`\b`+regexp.QuoteMeta(source)+`\b`).Match(doc) {
			t.Errorf("doc.go's reading map does not name %s", source)
		}
	}
}

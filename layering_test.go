// layering_test.go holds the house to its picture (docs/design.md): the
// protocol at the bottom, a closed set of files that name nothing above
// them; the world around it (the engine, the cluster, its networks); the
// tools that record and tell a run; the front ends at the top. It reads
// the package's own source with go/types, and finds, for every file, the
// files whose package-level names it uses.

package main

import (
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// protocolFiles are the protocol: Figure 2 and the dissertation's
// refinements, the state machine, what a node reports, and the rules a
// class may break. They may use only each other's names.
var protocolFiles = []string{"messages.go", "node.go", "replication.go", "refinements.go",
	"statemachine.go", "vocabulary.go", "breaks.go"}

// outputFiles are the recorder's outputs, which nothing below the tools
// may use: the engine and the cluster report events, and never know who
// listens.
var outputFiles = []string{"narration.go", "digest.go", "trace.go", "safety.go", "summary.go", "timeline.go",
	"logview.go", "chart.go", "webfeed.go"}

// worldFiles are the engine, the cluster and its networks, below the tools.
var worldFiles = []string{"engine.go", "cluster.go", "client.go", "sessions.go", "network.go", "wire.go", "statefile.go"}

// fileUses maps each file of the package, tests left out, to the files
// whose package-level names (types, functions, variables, constants, and
// their methods and fields) it uses, and how many times. Each caller gets
// a map of its own; the package is type-checked once.
func fileUses(t *testing.T) map[string]map[string]int {
	t.Helper()
	uses, err := sourceUses()
	if err != nil {
		t.Fatal(err)
	}
	own := map[string]map[string]int{}
	for file, to := range uses {
		own[file] = maps.Clone(to)
	}
	return own
}

// sourceUses reads and type-checks the package's source, once.
var sourceUses = sync.OnceValues(func() (map[string]map[string]int, error) {
	fset := token.NewFileSet()
	paths, err := filepath.Glob("*.go")
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return nil, err
		}
		files = append(files, file)
	}
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	pkg, err := conf.Check("main", fset, files, info)
	if err != nil {
		return nil, fmt.Errorf("the package does not type-check: %v", err)
	}
	fileOf := func(pos token.Pos) string { return filepath.Base(fset.Position(pos).Filename) }
	uses := map[string]map[string]int{}
	for _, file := range files {
		uses[fileOf(file.Pos())] = map[string]int{}
	}
	for ident, obj := range info.Uses {
		if obj == nil || obj.Pkg() != pkg || !packageLevel(obj, pkg) {
			continue
		}
		if from, to := fileOf(ident.Pos()), fileOf(obj.Pos()); from != to {
			uses[from][to]++
		}
	}
	return uses, nil
})

// packageLevel reports whether obj is declared at the package's level, or
// is a method or field of a type that is.
func packageLevel(obj types.Object, pkg *types.Package) bool {
	switch o := obj.(type) {
	case *types.Func:
		if o.Type().(*types.Signature).Recv() != nil {
			return true
		}
	case *types.Var:
		if o.IsField() {
			return true
		}
	}
	return obj.Parent() == pkg.Scope()
}

// closure is the files reachable from start through uses, start included.
func closure(uses map[string]map[string]int, start []string) []string {
	seen := map[string]bool{}
	todo := slices.Clone(start)
	for len(todo) > 0 {
		file := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[file] {
			continue
		}
		seen[file] = true
		todo = append(todo, slices.Collect(maps.Keys(uses[file]))...)
	}
	return slices.Sorted(maps.Keys(seen))
}

// circles returns the groups of files that use each other's names in a
// circle (the strongly connected components of more than one file), the
// arrows, one per ordered pair of files, within them, and the uses the
// arrows carry.
func circles(uses map[string]map[string]int) (groups [][]string, arrows []string, inCircles int) {
	// Tarjan's algorithm, over the files in a fixed order.
	index, low, onStack := map[string]int{}, map[string]int{}, map[string]bool{}
	var stack []string
	next := 0
	var visit func(string)
	visit = func(file string) {
		index[file], low[file] = next, next
		next++
		stack = append(stack, file)
		onStack[file] = true
		for _, to := range slices.Sorted(maps.Keys(uses[file])) {
			if _, seen := index[to]; !seen {
				visit(to)
				low[file] = min(low[file], low[to])
			} else if onStack[to] {
				low[file] = min(low[file], index[to])
			}
		}
		if low[file] == index[file] {
			var group []string
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[top] = false
				group = append(group, top)
				if top == file {
					break
				}
			}
			if len(group) > 1 {
				groups = append(groups, group)
			}
		}
	}
	for _, file := range slices.Sorted(maps.Keys(uses)) {
		if _, seen := index[file]; !seen {
			visit(file)
		}
	}
	for _, group := range groups {
		for _, from := range group {
			for _, to := range group {
				if n := uses[from][to]; n > 0 {
					arrows = append(arrows, fmt.Sprintf("%s -> %s (%d)", from, to, n))
					inCircles += n
				}
			}
		}
	}
	return groups, arrows, inCircles
}

// The protocol stands on its own: its files, and every file whose names
// they use, followed to the end, are the protocol's files and no others,
// at most seven; none names the engine, the cluster, the recorder or a
// front end. So the lab can hand a student these files, and a reader
// finds Figure 2 in them alone.
func TestTheProtocolStandsAlone(t *testing.T) {
	uses := fileUses(t)
	reach := closure(uses, protocolFiles)
	if !slices.Equal(reach, slices.Sorted(slices.Values(protocolFiles))) || len(reach) > 7 {
		for _, file := range protocolFiles {
			for to := range uses[file] {
				if !slices.Contains(protocolFiles, to) {
					t.Errorf("%s, a protocol file, uses %d names of %s", file, uses[file][to], to)
				}
			}
		}
		t.Errorf("the protocol's files reach %d files: %v", len(reach), reach)
	}
}

// The engine, the cluster and its networks report what happens as events,
// and never name the outputs that listen: the log, the trace, the safety
// checker, the summary, the pictures.
func TestTheWorldKnowsNoOutput(t *testing.T) {
	uses := fileUses(t)
	for _, file := range worldFiles {
		for _, output := range outputFiles {
			if n := uses[file][output]; n > 0 {
				t.Errorf("%s uses %d names of %s, an output", file, n, output)
			}
		}
	}
}

// Outside the protocol, the files use each other's names one way: the
// files that use each other's names in a circle hold fewer than ten such
// uses in all.
func TestFewCircles(t *testing.T) {
	uses := fileUses(t)
	for _, file := range protocolFiles {
		delete(uses, file) // the protocol's files lean on each other by design: it is one block
	}
	groups, arrows, inCircles := circles(uses)
	if inCircles >= 10 {
		t.Errorf("%d files in %d circles use each other's names %d times:\n%s", countFiles(groups), len(groups), inCircles, strings.Join(arrows, "\n"))
	}
	t.Logf("%d files in %d circles, %d arrows, %d uses: %v", countFiles(groups), len(groups), len(arrows), inCircles, arrows)
}

// countFiles counts the files of groups.
func countFiles(groups [][]string) int {
	n := 0
	for _, group := range groups {
		n += len(group)
	}
	return n
}

// lab.go makes the lab: a student's copy of this project in which one
// part of the protocol is left to write (-lab PART DIR). The functions of
// each part carry a directive at the end of their doc comment, such as
//
//	//lab:election Figure 2, RequestVote RPC, receiver implementation
//
// and in the copy their bodies become stubs that say what to write and
// return zero values, so that the copy builds and runs and shows what the
// missing rules break. Everything else is copied as it is, but for the
// files that hold the reference's bodies in other forms (labWithheld).
// The grader that the copy's go test runs is grader_test.go; -grade and
// -lab-diff are grade.go's. docs/lab.md is the lab's manual.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// labPart is the part of the lab that this copy of the project hands its
// student, as -lab wrote it: "" in the reference, which holds every part's
// bodies. The copy's go test grades that part (grader_test.go).
const labPart = ""

// labBreaksWritten are the breaks whose switch sits in a function this
// copy's student writes, with that function: in the copy, -break names
// them to refuse them, since a stub has no switch to turn (lab.go writes
// the map; in the reference it is empty).
var labBreaksWritten = map[Breakage]string{}

// labParts are the lab's parts, in the order a course teaches them.
var labParts = []string{"election", "log", "persistence", "refinements"}

// labDirective starts the line that gives a function to a part.
const labDirective = "//lab:"

// labWithheld are the files a copy leaves out: the mutation check, which
// spells out pieces of the reference's bodies, and the lab's own tests,
// which generate copies from the reference.
var labWithheld = []string{"mutants_test.go", "lab_test.go"}

// labFunc is one function a part hands the student.
type labFunc struct {
	part, cite string // the part, and what the stub says to write
	file, name string
	breaks     []string // the breaks whose switch the body holds, by constant
	body       string   // the reference body, braces included
	stub       string   // the body the copy gets instead
	start, end int      // the body's offsets in the file
}

// findLabFuncs reads the Go files of the package in dir and returns every
// function that a directive gives to a part, in the order of the files'
// names and of the functions in each. It refuses a directive that names
// no part, or one on a function whose stub it could not write.
func findLabFuncs(dir string) ([]labFunc, error) {
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	sources := map[string][]byte{}
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return nil, err
	}
	for _, path := range names {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		f, err := parser.ParseFile(fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files[filepath.Base(path)], sources[filepath.Base(path)] = f, src
	}
	declared := typeDeclarations(files)
	var found []labFunc
	for _, name := range slices.Sorted(maps.Keys(files)) {
		for _, decl := range files[name].Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Doc == nil {
				continue
			}
			part, cite, ok := labDirectiveOf(fn.Doc)
			if !ok {
				continue
			}
			where := fmt.Sprintf("%s: %s", name, fn.Name.Name)
			if !slices.Contains(labParts, part) {
				return nil, fmt.Errorf("%s: the directive names part %q, not one of %s", where, part, strings.Join(labParts, ", "))
			}
			stub, err := stubBody(fn, cite, declared)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", where, err)
			}
			start, end := fset.Position(fn.Body.Lbrace).Offset, fset.Position(fn.Body.Rbrace).Offset+1
			found = append(found, labFunc{part: part, cite: cite, file: name, name: fn.Name.Name, breaks: breaksIn(fn.Body),
				body: string(sources[name][start:end]), stub: stub, start: start, end: end})
		}
	}
	return found, nil
}

// breaksIn names the break constants a body uses.
func breaksIn(body *ast.BlockStmt) []string {
	var names []string
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && strings.HasPrefix(id.Name, "Break") && !slices.Contains(names, id.Name) {
			names = append(names, id.Name)
		}
		return true
	})
	return names
}

// labDirectiveOf finds the lab directive in a doc comment: the part, and
// what to write.
func labDirectiveOf(doc *ast.CommentGroup) (part, cite string, ok bool) {
	for _, c := range doc.List {
		if rest, found := strings.CutPrefix(c.Text, labDirective); found {
			part, cite, _ = strings.Cut(rest, " ")
			return part, strings.TrimSpace(cite), true
		}
	}
	return "", "", false
}

// typeDeclarations maps each type the package declares to its definition.
func typeDeclarations(files map[string]*ast.File) map[string]ast.Expr {
	declared := map[string]ast.Expr{}
	for _, f := range files {
		for _, decl := range f.Decls {
			if gen, ok := decl.(*ast.GenDecl); ok && gen.Tok == token.TYPE {
				for _, spec := range gen.Specs {
					ts := spec.(*ast.TypeSpec)
					declared[ts.Name.Name] = ts.Type
				}
			}
		}
	}
	return declared
}

// stubBody is the body fn gets in a copy: what to write, and a return of
// zero values, so that the copy builds and runs.
func stubBody(fn *ast.FuncDecl, cite string, declared map[string]ast.Expr) (string, error) {
	var zeros []string
	if fn.Type.Results != nil {
		for _, field := range fn.Type.Results.List {
			zero, err := zeroValue(field.Type, declared)
			if err != nil {
				return "", err
			}
			for range max(1, len(field.Names)) {
				zeros = append(zeros, zero)
			}
		}
	}
	body := "{\n\t// write this: " + cite + "\n"
	if len(zeros) > 0 {
		body += "\treturn " + strings.Join(zeros, ", ") + "\n"
	}
	return body + "}", nil
}

// zeroValue is the zero value of the type t, as Go source.
func zeroValue(t ast.Expr, declared map[string]ast.Expr) (string, error) {
	switch t := t.(type) {
	case *ast.StarExpr, *ast.MapType, *ast.ChanType, *ast.FuncType, *ast.InterfaceType:
		return "nil", nil
	case *ast.ArrayType:
		if t.Len == nil {
			return "nil", nil
		}
	case *ast.SelectorExpr:
		if pkg, ok := t.X.(*ast.Ident); ok && pkg.Name == "time" && t.Sel.Name == "Duration" {
			return "0", nil
		}
	case *ast.Ident:
		switch t.Name {
		case "bool":
			return "false", nil
		case "string":
			return `""`, nil
		case "error", "any":
			return "nil", nil
		case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
			"byte", "rune", "float32", "float64":
			return "0", nil
		}
		switch def := declared[t.Name].(type) {
		case *ast.StructType:
			return t.Name + "{}", nil
		case nil:
		default:
			return zeroValue(def, declared)
		}
	}
	return "", fmt.Errorf("no stub returns a %T: give the function results of simpler types", t)
}

// writeLab writes into dir, which must be new or empty, a copy of the
// project in src in which the bodies of the given parts' functions are
// stubs. With keepBodies it keeps them, which makes the copy the lab's
// answer: what the mutation check plants its bugs in.
func writeLab(src, dir string, parts []string, keepBodies bool) error {
	if err := checkEmpty(dir); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(src, "lab.go")); err != nil {
		return fmt.Errorf("%s holds no copy of this project's source: run -lab in the project's directory", src)
	}
	dest, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	funcs, err := findLabFuncs(src)
	if err != nil {
		return err
	}
	stubbed := map[string][]labFunc{} // file: its functions to stub, in order
	for _, f := range funcs {
		if slices.Contains(parts, f.part) && !keepBodies {
			stubbed[f.file] = append(stubbed[f.file], f)
		}
	}
	return filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		switch {
		case rel == ".":
			return os.MkdirAll(dir, 0o755)
		case strings.HasPrefix(d.Name(), "."):
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case d.IsDir() && isOtherModule(path, dest):
			return filepath.SkipDir // the copy being written, or another copy
		case d.IsDir():
			return os.MkdirAll(filepath.Join(dir, rel), 0o755)
		case slices.Contains(labWithheld, rel) || !d.Type().IsRegular():
			return nil
		}
		if info, err := d.Info(); err != nil || info.Mode()&0o111 != 0 {
			return err // an executable is a build of the reference, not a source
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if rel == "lab.go" {
			data = setLabPart(data, strings.Join(parts, ","), stubbed)
		}
		if list, ok := stubbed[rel]; ok {
			if data, err = stubOut(data, list); err != nil {
				return fmt.Errorf("%s: %w", rel, err)
			}
		}
		return os.WriteFile(filepath.Join(dir, rel), data, 0o644)
	})
}

// isOtherModule reports whether the directory at path is dest, where the
// copy goes, or a module of its own, such as a copy made earlier in the
// project's directory.
func isOtherModule(path, dest string) bool {
	if abs, err := filepath.Abs(path); err == nil && abs == dest {
		return true
	}
	_, err := os.Stat(filepath.Join(path, "go.mod"))
	return err == nil
}

// checkEmpty refuses a directory that holds anything: a student's work
// is never overwritten.
func checkEmpty(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case len(entries) > 0:
		return fmt.Errorf("%s is not empty: the lab writes a new copy, and overwrites nothing", dir)
	}
	return nil
}

// setLabPart writes the copy's part into lab.go's labPart, and the breaks
// whose switches the stubs removed into labBreaksWritten.
func setLabPart(src []byte, part string, stubbed map[string][]labFunc) []byte {
	var entries []string
	for _, file := range slices.Sorted(maps.Keys(stubbed)) {
		for _, f := range stubbed[file] {
			for _, b := range f.breaks {
				entries = append(entries, fmt.Sprintf("%s: %q", b, f.name))
			}
		}
	}
	src = bytes.Replace(src, []byte(`const labPart = ""`), []byte("const labPart = "+strconv.Quote(part)), 1)
	return bytes.Replace(src, []byte("var labBreaksWritten = map[Breakage]string{}"),
		[]byte("var labBreaksWritten = map[Breakage]string{"+strings.Join(entries, ", ")+"}"), 1)
}

// stubOut replaces the bodies of funcs, all of one file, with their stubs,
// and formats the result.
func stubOut(src []byte, funcs []labFunc) ([]byte, error) {
	var out bytes.Buffer
	at := 0
	for _, f := range funcs {
		out.Write(src[at:f.start])
		out.WriteString(f.stub)
		at = f.end
	}
	out.Write(src[at:])
	return format.Source(out.Bytes())
}

// makeLab is -lab PART DIR: it writes the copy of the project in the
// working directory, and says what to do next.
func makeLab(part, dir string, out io.Writer) error {
	if labPart != "" {
		return fmt.Errorf("this program is a lab copy (part %s): run -lab in the reference project", labPart)
	}
	parts, err := labPartsNamed(part)
	if err != nil {
		return err
	}
	funcs, err := findLabFuncs(".")
	if err != nil {
		return err
	}
	if err := writeLab(".", dir, parts, false); err != nil {
		return err
	}
	var files []string
	count := 0
	for _, f := range funcs {
		if slices.Contains(parts, f.part) {
			count++
			if !slices.Contains(files, f.file) {
				files = append(files, f.file)
			}
		}
	}
	fmt.Fprintf(out, "Wrote the %s part of the lab to %s: %s to write, in %s.\n"+
		"  cd %s && go test ./...   grades it, rule by rule (docs/lab.md)\n"+
		"  cd %s && go run .        shows your cluster at work\n",
		joinAnd(parts), dir, plural(count, "function"), joinAnd(files), dir, dir)
	return nil
}

// labPartsNamed reads -lab's PART: one part, several joined by commas, or
// "all".
func labPartsNamed(names string) ([]string, error) {
	if names == "all" {
		return labParts, nil
	}
	var parts []string
	for _, name := range strings.Split(names, ",") {
		if !slices.Contains(labParts, name) {
			return nil, fmt.Errorf("-lab: no part is called %q; the parts are %s, or all", name, strings.Join(labParts, ", "))
		}
		parts = append(parts, name)
	}
	return parts, nil
}

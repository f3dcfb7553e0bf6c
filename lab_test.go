// lab_test.go checks the lab (lab.go, grader_test.go): that a copy keeps
// nothing of a body it hands the student, and, with -labcopies (CI runs
// it), that each part's copy builds, runs and fails its grader by name,
// and that the copy with the reference's bodies pasted back passes it
// whole. The bugs of docs/lab.md are planted in such copies by the
// mutation check (mutants_test.go).

package main

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var checkLabCopies = flag.Bool("labcopies", false, "build each part's lab copy, run its grader, and run it with the reference's bodies pasted back")

// Each function a directive names has a stub in its part's copy, and
// every other function keeps its body; the copy refuses exactly the
// breaks whose switches its stubs removed.
func TestLabCopyStubsItsPartAlone(t *testing.T) {
	funcs, err := findLabFuncs(".")
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range labParts {
		dir := writeTestLab(t, part, false)
		for _, f := range funcs {
			copied, err := os.ReadFile(filepath.Join(dir, f.file))
			if err != nil {
				t.Fatal(err)
			}
			stubbed := bytes.Contains(copied, []byte("\t// write this: "+f.cite+"\n"))
			if stubbed != (f.part == part) {
				t.Errorf("the %s copy: %s's body is a stub: %t", part, f.name, stubbed)
			}
		}
		lab, _ := os.ReadFile(filepath.Join(dir, "lab.go"))
		if !bytes.Contains(lab, []byte(fmt.Sprintf("const labPart = %q", part))) {
			t.Errorf("the %s copy does not know its part", part)
		}
		for _, f := range funcs {
			for _, b := range f.breaks {
				if named := bytes.Contains(lab, []byte(fmt.Sprintf("%s: %q", b, f.name))); named != (f.part == part) {
					t.Errorf("the %s copy refuses -break's %s, whose switch is in %s: %t", part, b, f.name, named)
				}
			}
		}
	}
	for _, part := range labParts {
		if !slices.ContainsFunc(funcs, func(f labFunc) bool { return f.part == part }) {
			t.Errorf("no function is given to part %s", part)
		}
	}
}

// No line of a body a copy leaves out survives anywhere in the copy: not
// in its code, its tests, its docs or its golden files. A line counts as
// the body's when no code of the reference outside the part's bodies
// holds it: another function's own line, such as a check a pre-vote
// shares with a vote, is that function's text.
func TestLabCopyKeepsNoRemovedBody(t *testing.T) {
	t.Parallel() // a run of its own, in memory: it can share the machine
	funcs, err := findLabFuncs(".")
	if err != nil {
		t.Fatal(err)
	}
	reference := readTree(t, ".")
	for _, part := range labParts {
		elsewhere := codeOutsideBodies(reference, funcs, part)
		copied := readTree(t, writeTestLab(t, part, false))
		for _, f := range funcs {
			if f.part != part {
				continue
			}
			for _, line := range bodyLines(f.body) {
				if strings.Contains(elsewhere, line) {
					continue
				}
				for path, text := range copied {
					if strings.Contains(text, line) {
						t.Errorf("the %s copy's %s holds %q, a line of %s's body", part, path, line, f.name)
					}
				}
			}
		}
	}
}

// bodyLines are a body's lines worth looking for: trimmed, and long
// enough to say something of their own.
func bodyLines(body string) []string {
	var lines []string
	for _, line := range strings.Split(body, "\n") {
		if line = strings.TrimSpace(line); len(line) >= 12 {
			lines = append(lines, line)
		}
	}
	return lines
}

// codeOutsideBodies is the reference's Go code, every file's but the
// withheld ones, without the bodies of part's functions.
func codeOutsideBodies(reference map[string]string, funcs []labFunc, part string) string {
	var code strings.Builder
	for _, path := range slices.Sorted(maps.Keys(reference)) {
		text := reference[path]
		if !strings.HasSuffix(path, ".go") || slices.Contains(labWithheld, path) {
			continue
		}
		for _, f := range funcs {
			if f.file == path && f.part == part {
				text = strings.Replace(text, f.body, "", 1)
			}
		}
		code.WriteString(text)
	}
	return code.String()
}

// readTree reads every file under dir but git's, by path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && d.Name() == ".git":
			return filepath.SkipDir
		case d.IsDir():
			return nil
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[rel] = string(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// writeTestLab writes part's copy to a directory of the test's.
func writeTestLab(t *testing.T, part string, keepBodies bool) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "lab")
	if err := writeLab(".", dir, []string{part}, keepBodies); err != nil {
		t.Fatal(err)
	}
	return dir
}

// -lab refuses a directory with something in it, a part there is not, and
// a run in a copy.
func TestLabRefusesWhatItCannotDo(t *testing.T) {
	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "mine.go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"-lab", "election", full},
		{"-lab", "snapshots", t.TempDir()},
		{"-lab", "election"},
		{"-grade"},
		{"-grade", t.TempDir()},
	} {
		var out, errs bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errs, nil); code != exitUsage || strings.Count(errs.String(), "\n") != 1 {
			t.Errorf("%q: exit %d, %q; want exit %d and one line", args, code, errs.String(), exitUsage)
		}
	}
}

// With -labcopies: each part's copy builds; its go test fails, naming the
// part's first test, with no panic; go run . in it ends with a run, not a
// crash; and with the reference's bodies in place, every test of the
// grader passes.
func TestLabCopiesBuildAndGrade(t *testing.T) {
	if !*checkLabCopies {
		t.Skip("go test -run LabCopies -labcopies builds each part's copy (CI does)")
	}
	for _, part := range labParts {
		t.Run(part, func(t *testing.T) {
			dir := writeTestLab(t, part, false)
			first := testName(graderTests[part][0].test)
			out, err := goIn(dir, "test", "-count=1", ".")
			if err == nil || !strings.Contains(string(out), "--- FAIL: TestLab/"+part+"/01_"+first) || bytes.Contains(out, []byte("panic:")) {
				t.Errorf("go test in the untouched %s copy: %v\n%s", part, err, lastLines(out, 20))
			}
			if !labScoreLine.Match(out) {
				t.Errorf("go test in the %s copy printed no score", part)
			}
			out, err = goIn(dir, "run", ".", "-scenario", "crash", "-seed", "1", "-quiet")
			if exit, ok := err.(*exec.ExitError); err != nil && (!ok || exit.ExitCode() > exitViolation) {
				t.Errorf("go run . in the %s copy: %v\n%s", part, err, lastLines(out, 10))
			}
			answer := writeTestLab(t, part, true)
			if out, err := goIn(answer, "test", "-count=1", "."); err != nil {
				t.Errorf("the %s copy with the reference's bodies fails its grader: %v\n%s", part, err, lastLines(out, 30))
			}
		})
	}
}

// With -labcopies: -grade tabulates three copies of the election part
// (one right, one with a classic bug, one untouched) with the scores their
// graders give, and -lab-diff shows where the buggy copy's run parts from
// the reference's.
func TestGradeAndLabDiff(t *testing.T) {
	if !*checkLabCopies {
		t.Skip("go test -run GradeAndLabDiff -labcopies grades three copies (CI does)")
	}
	right, buggy, untouched := writeTestLab(t, "election", true), writeTestLab(t, "election", true), writeTestLab(t, "election", false)
	bug := mutants[slices.IndexFunc(mutants, func(m mutant) bool { return m.bug == "a second vote in one term" })]
	path := filepath.Join(buggy, bug.file)
	if err := os.WriteFile(path, bytes.Replace(bug.pristine(t), []byte(bug.from), []byte(bug.to), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	if code := run([]string{"-grade", right, buggy, untouched}, strings.NewReader(""), &out, &errs, nil); code != exitSafe {
		t.Fatalf("-grade: exit %d: %s", code, errs.String())
	}
	t.Logf("-grade over a right, a buggy and an untouched copy:\n%s", out.String())
	of := len(graderTests["election"]) + len(wholeProgram)
	rows := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(rows) != 4 {
		t.Fatalf("-grade printed:\n%s", out.String())
	}
	var scores []string
	for _, row := range rows[1:] {
		scores = append(scores, strings.Fields(row)[1]) // the election's column
	}
	var passed int
	fmt.Sscanf(scores[1], "%d/", &passed)
	if scores[0] != fmt.Sprintf("%d/%d", of, of) || passed == 0 || passed >= of || scores[2] != fmt.Sprintf("0/%d", of) {
		t.Errorf("-grade scored the right, buggy and untouched copies %v; want all, some, and none of %d", scores, of)
	}
	out.Reset()
	if code := run([]string{"-lab-diff", buggy, "-scenario", "split-vote", "-seed", "1"}, strings.NewReader(""), &out, &errs, nil); code != exitSafe {
		t.Fatalf("-lab-diff: exit %d: %s", code, errs.String())
	}
	if !strings.Contains(out.String(), "the two runs agree for") || !strings.Contains(out.String(), "exit 1 (the safety checker found a violation)") {
		t.Errorf("-lab-diff with a copy that votes twice printed:\n%s", out.String())
	}
	t.Logf("-lab-diff:\n%s", out.String())
}

// goIn runs the go command in dir.
func goIn(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

// grade.go is the teacher's side of the lab (lab.go writes the copies):
// -grade runs the grader in each copy and prints a table of scores, a row
// per copy and a column per part; -lab-diff plays one scenario and seed
// here, in the reference, and in a copy, and shows where the student's
// run parts from the reference's.

package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
)

// labMode ends a lab mode: its error, if any, in one line, and the exit
// code.
func labMode(err error, stderr io.Writer) int {
	if err != nil {
		fmt.Fprintf(stderr, "raft: %s\n", escapeControl(err.Error()))
		return exitUsage
	}
	return exitSafe
}

// labScoreLine is the line the grader ends with, one per part
// (grader_test.go).
var labScoreLine = regexp.MustCompile(`(?m)^lab (\S+): (\d+) of (\d+) tests pass$`)

// gradeCopies runs the grader in each copy, one after another, and prints
// a table: a row per copy, a column per part, tests passed of tests.
func gradeCopies(dirs []string, out io.Writer) error {
	for _, dir := range dirs {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
			return fmt.Errorf("-grade: %s holds no copy of the project (no go.mod)", dir)
		}
	}
	table := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintf(table, "copy\t%s\n", strings.Join(labParts, "\t"))
	for _, dir := range dirs {
		scores, note := gradeCopy(dir)
		row := []string{dir}
		for _, part := range labParts {
			row = append(row, scoreOr(scores[part], "-"))
		}
		if note != "" {
			row = append(row, note)
		}
		fmt.Fprintln(table, strings.Join(row, "\t"))
	}
	return table.Flush()
}

// scoreOr is a score, or none if there is none.
func scoreOr(score, none string) string {
	if score == "" {
		return none
	}
	return score
}

// gradeCopy runs the grader in dir and returns each graded part's score
// ("12/21"), and a note when there is none: the copy does not build, or
// is no lab copy.
func gradeCopy(dir string) (scores map[string]string, note string) {
	cmd := exec.Command("go", "test", "-count=1", "-v", ".")
	cmd.Dir = dir
	output, err := cmd.CombinedOutput()
	scores = map[string]string{}
	for _, m := range labScoreLine.FindAllSubmatch(output, -1) {
		scores[string(m[1])] = fmt.Sprintf("%s/%s", m[2], m[3])
	}
	switch {
	case len(scores) > 0:
		return scores, ""
	case bytes.Contains(output, []byte("[build failed]")), bytes.Contains(output, []byte("[setup failed]")):
		return scores, "does not build"
	case err != nil && !errors.As(err, new(*exec.ExitError)):
		return scores, err.Error()
	}
	return scores, "not a lab copy"
}

// labDiff is -lab-diff DIR: the chosen scenario, on one seed, told by the
// reference and by the copy in dir, and where the two tellings part.
func labDiff(dir string, opts options, chosen []scenario, out io.Writer) error {
	if len(chosen) != 1 {
		return fmt.Errorf("-lab-diff compares one scenario: choose it with -scenario")
	}
	args := append(slices.DeleteFunc(slices.Clone(opts.given), func(flag string) bool { return flag == "-lab-diff="+opts.labDiff }), "-no-color")
	if !opts.seedGiven {
		args = append(args, fmt.Sprintf("-seed=%d", opts.cfg.Seed))
	}
	var reference, refused bytes.Buffer
	refCode := run(args, strings.NewReader(""), &reference, &refused, nil)
	cmd := exec.Command("go", append([]string{"run", "."}, args...)...)
	cmd.Dir = dir
	var student, studentErr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &student, &studentErr
	studentCode := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			return fmt.Errorf("-lab-diff: %s: %w", dir, err)
		}
		studentCode = exit.ExitCode()
	}
	if studentCode == exitUsage || studentCode == exitInternal {
		return fmt.Errorf("-lab-diff: the copy in %s did not run: %s", dir, firstLine(studentErr.String()))
	}
	tellDifference(out, chosen[0].name, args, dir, reference.String(), student.String())
	fmt.Fprintf(out, "\nThe reference ended with exit %d (%s); the copy in %s with exit %d (%s).\n",
		refCode, exitMeaning(refCode), dir, studentCode, exitMeaning(studentCode))
	return nil
}

// firstLine is the first line of text.
func firstLine(text string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(text), "\n")
	return line
}

// exitMeaning says what an exit code of the program means.
func exitMeaning(code int) string {
	switch code {
	case exitSafe:
		return "no violation"
	case exitViolation:
		return "the safety checker found a violation"
	}
	return "an error"
}

// diffContext is how many lines of each telling -lab-diff shows from
// where they part.
const diffContext = 8

// tellDifference prints where two tellings of one run part: the last line
// they share, then the next lines of each.
func tellDifference(out io.Writer, scenario string, args []string, dir, reference, student string) {
	ref, stu := strings.Split(reference, "\n"), strings.Split(student, "\n")
	same := 0
	for same < len(ref) && same < len(stu) && ref[same] == stu[same] {
		same++
	}
	fmt.Fprintf(out, "go run . %s, here and in %s:\n", strings.Join(args, " "), dir)
	if same == len(ref) && same == len(stu) {
		fmt.Fprintf(out, "the two runs are the same, line for line (%d lines).\n", same)
		return
	}
	fmt.Fprintf(out, "the two runs agree for %d lines", same)
	if same > 0 {
		fmt.Fprintln(out, ", to this one:")
		printLines(out, ref[lineStart(ref, same-1):same])
	} else {
		fmt.Fprintln(out, ".")
	}
	fmt.Fprintln(out, "Then the reference:")
	printLines(out, ref[same:min(len(ref), same+diffContext)])
	fmt.Fprintf(out, "and the copy in %s:\n", dir)
	printLines(out, stu[same:min(len(stu), same+diffContext)])
}

// lineStart is where the log line that ends at lines[i] starts: a line
// that wraps goes on in lines that start with spaces.
func lineStart(lines []string, i int) int {
	for i > 0 && strings.HasPrefix(lines[i], "          ") {
		i--
	}
	return i
}

// printLines prints lines, each set off by two spaces.
func printLines(out io.Writer, lines []string) {
	for _, line := range lines {
		fmt.Fprintf(out, "  %s\n", line)
	}
}

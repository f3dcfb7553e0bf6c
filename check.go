// check.go is the -check mode: it reads saved traces, one, or the traces
// of a cluster's node processes merged, and runs the safety checker over
// them (trace.go), printing what it found.

package main

import (
	"fmt"
	"io"
	"os"
)

// checkTraceFile runs the safety checker over a trace file and reports
// what it found. It returns the exit code: 0 for a safe trace, 1 for one
// with violations, 2 for a file it cannot read as a trace.
func checkTraceFile(path string, stdout, stderr io.Writer) int {
	file, err := os.Open(path)
	if err == nil {
		defer file.Close()
		var report traceReport
		if report, err = checkTrace(file); err == nil {
			return printTraceReport(path, report, stdout)
		}
	}
	fmt.Fprintln(stderr, escapeControl(fmt.Sprintf("raft: -check %s: %v", path, err)))
	return exitUsage
}

// checkMergedTraceFiles checks the traces of a cluster's processes as one
// run, and reports as checkTraceFile does.
func checkMergedTraceFiles(paths []string, stdout, stderr io.Writer) int {
	report, err := checkMergedTraces(paths)
	if err != nil {
		fmt.Fprintln(stderr, escapeControl(fmt.Sprintf("raft: -check: %v", err)))
		return exitUsage
	}
	return printTraceReport(fmt.Sprintf("%d traces, merged", len(paths)), report, stdout)
}

// printTraceReport prints a trace's safety report and returns the exit
// code: 0 if the trace is safe, 1 if not. The trace is untrusted text, so
// control characters are escaped before they reach a terminal.
func printTraceReport(path string, report traceReport, stdout io.Writer) int {
	found := len(report.violations) + report.unshown
	runs := plural(report.runs, "run")
	if report.merged || report.processes {
		runs = plural(report.runs, "incarnation") + " of node processes"
	}
	fmt.Fprintln(stdout, escapeControl(fmt.Sprintf("%s: %s, %s, %s.", path,
		runs, plural(report.events, "event"), plural(found, "safety violation"))))
	for _, v := range report.violations {
		writeItem(stdout, 2, escapeControl(v), terminalWidth())
	}
	if report.unshown > 0 {
		fmt.Fprintf(stdout, "  and %d more, not shown\n", report.unshown)
	}
	if report.cutAt > 0 {
		writeItem(stdout, 0, fmt.Sprintf("The trace is cut short: line %d stops partway, with no newline, as when a disk fills during a run. The check covers the lines before it.", report.cutAt), terminalWidth())
	}
	if found > 0 {
		return exitViolation
	}
	return exitSafe
}

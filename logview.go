// logview.go draws every node's Raft log side by side, for the console's
// log command: a row per node, a column per index, each entry shown by its
// term, committed ones marked; then the commands of the latest entries.
// It reads the recorder's view of the logs (Cluster.Entries and Status).

package main

import (
	"fmt"
	"io"
	"strings"
)

// logCell is the width of one entry's column: a term of up to two digits,
// the committed mark, and a space.
const logCell = 4

// listedCommands is how many of the latest entries the view lists with
// their commands.
const listedCommands = 6

// writeLogs draws the logs of the nodes status describes, entries[i]
// being node i+1's, width columns wide. When the logs are longer than
// the width allows, it shows their latest entries.
func writeLogs(w io.Writer, width int, status []NodeStatus, entries [][]Entry) {
	longest, fullest := 0, 0
	for i, log := range entries {
		if len(log) > longest {
			longest, fullest = len(log), i
		}
	}
	if longest == 0 {
		fmt.Fprintln(w, "every log is empty")
		return
	}
	columns := max((width-timelineLabel)/logCell, 1)
	first := max(longest-columns, 0) // the index, less 1, of the first entry shown
	var header strings.Builder
	for index := first + 1; index <= longest; index++ {
		fmt.Fprintf(&header, "%-*d", logCell, index)
	}
	fmt.Fprintf(w, "%-*s%s\n", timelineLabel, "index", strings.TrimRight(header.String(), " "))
	for i, log := range entries {
		var row strings.Builder
		for _, entry := range log[min(first, len(log)):] {
			mark := " "
			if entry.Index <= status[i].CommitIndex {
				mark = "*"
			}
			fmt.Fprintf(&row, "%-*s", logCell, fmt.Sprint(entry.Term)+mark)
		}
		label := fmt.Sprintf("node %d", i+1)
		if !status[i].Alive {
			label += "×"
		}
		fmt.Fprintf(w, "%-*s%s\n", timelineLabel, label, strings.TrimRight(row.String(), " "))
	}
	legend := "Each entry shows its term; * marks the entries its node knows are committed; × a node that is down."
	if first > 0 {
		legend += fmt.Sprintf(" Entries 1 to %d are left out.", first)
	}
	writeHanging(w, "", legend, width, nil)
	log := entries[fullest]
	for _, entry := range log[max(len(log)-listedCommands, 0):] {
		writeHanging(w, fmt.Sprintf("  %d: ", entry.Index), describeCommand(entry.Command)+fmt.Sprintf(" (term %d)", entry.Term), width, nil)
	}
}

// describeCommand shows an entry's command, or says it is a no-op.
func describeCommand(command string) string {
	if command == "" {
		return "no-op"
	}
	return escapeControl(command)
}

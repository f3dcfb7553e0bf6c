// chart.go draws the experiment's results (experiment.go) the way Figure 16
// of the Raft paper does: for each range of election timeouts, the
// cumulative share of trials (up) that had a leader again within a given
// time (across), one curve per range, in the terminal.

package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/fatih/color"
)

// chartRows is the chart's height: 17 rows put 0, 25, 50, 75 and 100% on
// rows of their own.
const chartRows = 17

// chartLabel is the width of the left-hand labels, "100% ".
const chartLabel = 6

// writeCDF draws one curve per setting, width columns wide, with a
// logarithmic time axis if logX.
func writeCDF(w io.Writer, all []trialStats, logX bool, width int) {
	lo, hi, ok := chartSpan(all, logX)
	if !ok {
		return
	}
	cols := max(width-chartLabel-1, 20)
	timeAt := func(c int) time.Duration {
		f := float64(c) / float64(cols-1)
		if logX {
			return time.Duration(float64(lo) * math.Pow(float64(hi)/float64(lo), f))
		}
		return lo + time.Duration(f*float64(hi-lo))
	}
	grid := make([][]string, chartRows)
	for row := range grid {
		grid[row] = slices.Repeat([]string{" "}, cols)
	}
	for i, s := range all {
		symbol := curveLook(i).Sprint(string(rune('a' + i)))
		below := -1 // the row the curve reached in the previous column
		for c := range cols {
			share := s.cumulative(timeAt(c))
			if share == 0 {
				continue
			}
			row := int(math.Round(share * (chartRows - 1)))
			// Fill the rise since the previous column, so steep curves
			// stay joined.
			for r := min(below+1, row); r <= row; r++ {
				grid[r][c] = symbol
			}
			below = row
		}
	}
	scale := "linear"
	if logX {
		scale = "logarithmic"
	}
	fmt.Fprintf(w, "share of trials with a leader again, by time since the crash (%s scale)\n", scale)
	for row := chartRows - 1; row >= 0; row-- {
		label := ""
		if row%4 == 0 {
			label = fmt.Sprintf("%d%%", row*100/(chartRows-1))
		}
		fmt.Fprintf(w, "%*s │%s\n", chartLabel-2, label, strings.Join(grid[row], ""))
	}
	fmt.Fprintf(w, "%*s └%s\n", chartLabel-2, "", strings.Repeat("─", cols))
	fmt.Fprintf(w, "%*s  %s\n", chartLabel-2, "ms", chartAxis(cols, timeAt, logX))
	var legend []string
	for i, s := range all {
		legend = append(legend, curveLook(i).Sprintf("%c %s", 'a'+i, s.label))
	}
	for _, line := range packItems(legend, "   ", width-chartLabel) {
		fmt.Fprintf(w, "%*s%s\n", chartLabel, "", line)
	}
}

// curveLook is the color of curve i: the nodes' palette, whose colors
// read on dark and light backgrounds.
func curveLook(i int) *color.Color {
	return palette[i%len(palette)]
}

// cumulative is the share of all trials that had a leader within t.
func (s trialStats) cumulative(t time.Duration) float64 {
	within, _ := slices.BinarySearch(s.downtimes, t+1)
	return float64(within) / float64(max(s.trials, 1))
}

// chartSpan is the time axis: from 0 (linear) or the decade below the
// fastest trial (log), to the slowest trial, rounded up to a decade (log)
// or to a round number (linear).
func chartSpan(all []trialStats, logX bool) (lo, hi time.Duration, ok bool) {
	fastest, slowest := time.Duration(math.MaxInt64), time.Duration(0)
	for _, s := range all {
		if len(s.downtimes) > 0 {
			fastest, slowest = min(fastest, s.downtimes[0]), max(slowest, s.downtimes[len(s.downtimes)-1])
		}
	}
	if slowest == 0 {
		return 0, 0, false
	}
	if logX {
		lo = decade(fastest, math.Floor)
		return lo, max(decade(slowest, math.Ceil), 10*lo), true
	}
	step := axisStep(slowest / 10)
	return 0, (slowest/step + 1) * step, true
}

// decade rounds d to a power of ten milliseconds, down or up.
func decade(d time.Duration, round func(float64) float64) time.Duration {
	ms := math.Max(float64(d)/float64(time.Millisecond), 1)
	return time.Duration(math.Pow(10, round(math.Log10(ms)))) * time.Millisecond
}

// chartAxis labels the time axis: 1, 2 and 5 times each power of ten on a
// log scale, round numbers on a linear one, each at the column whose time
// it is, wherever they fit.
func chartAxis(cols int, timeAt func(int) time.Duration, logX bool) string {
	first, last := timeAt(0), timeAt(cols-1)
	var marks []mark
	label := func(t time.Duration) { marks = append(marks, mark{at: t, text: fmt.Sprint(t.Milliseconds())}) }
	if logX {
		for d := decade(first, math.Floor); d <= last; d *= 10 {
			for _, m := range []time.Duration{1, 2, 5} {
				if t := m * d; t >= first && t <= last {
					label(t)
				}
			}
		}
	} else {
		for t, step := first, axisStep((last-first)/time.Duration(cols)); t <= last; t += step {
			label(t)
		}
	}
	column := func(t time.Duration) int { return sort.Search(cols, func(c int) bool { return timeAt(c) >= t }) }
	return axisLabels(marks, cols, column)
}

// writeStatsTable prints one row of figures per setting, times in
// milliseconds since the moment each trial measures from, which since
// names: "the crash".
func writeStatsTable(w io.Writer, all []trialStats, since string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "timeouts\ttrials\tmin\tmedian\tp90\tp99\tmax\t>1 election\tno leader\t")
	for _, s := range all {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", s.label, s.trials,
			shortDuration(s.percentile(0)), shortDuration(s.percentile(50)), shortDuration(s.percentile(90)),
			shortDuration(s.percentile(99)), shortDuration(s.percentile(100)),
			formatPercent(float64(s.multiRound)/float64(max(s.trials, 1))), s.noLeader())
	}
	tw.Flush()
	fmt.Fprintf(w, "Times in ms from %s to a new leader; no leader: none within %s.\n", since, trialCap)
}

// shortDuration shows a duration in whole milliseconds, without the unit,
// or "-" for none.
func shortDuration(d time.Duration) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprint(d.Round(time.Millisecond).Milliseconds())
}

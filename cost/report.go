package cost

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Write prints the report as a table: one line per priced item, the total,
// the assumptions and the notes.
func (r Report) Write(w io.Writer) error {
	in := r.Input
	var b strings.Builder
	fmt.Fprintf(&b, "BP Tracker on AWS, profile %s: %d users × %d readings a day, per month\n", in.Profile, in.Users, in.ReadingsPerDay)
	fmt.Fprintf(&b, "Prices: us-east-1, %s (%s).\n\n", Prices.Date, Prices.Source)
	if len(r.Lines) == 0 {
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "%s\n", n)
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "service\titem\tquantity\tunit\tfree tier\tUSD\t")
	for _, l := range r.Lines {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t\n", l.Service, l.Item, num(l.Quantity), l.Unit, num(l.Free), usd(l.USD))
	}
	fmt.Fprintf(tw, "total\t\t\t\t\t%s\t\n", usd(r.Total))
	if err := tw.Flush(); err != nil {
		return err
	}
	// tabwriter aligns every column right; the text columns read better
	// left-aligned, so only numbers use AlignRight semantics in spirit.
	fmt.Fprintf(&b, "\nAssumptions (per user per day unless stated): %.3g app screens per reading, each loading the 30-day history; "+
		"%.3g sign-ins of %.3g requests; add a reading %.3g WCU + %.3g RCU; 30-day history %.3g RCU + %.3g WCU; session check %.3g RCU; "+
		"Lambda arm64 %d MB × %.0f ms; %d months of data stored; busiest hour %.3g× the average.\n",
		in.PageViewsPerReading, in.SigninsPerDay, in.RequestsPerSignin, in.AddReadingWCU, in.AddReadingRCU,
		in.HistoryRCU, in.HistoryWCU, in.SessionCheckRCU, in.LambdaMemoryMB, in.LambdaMillis, in.StorageMonths, in.PeakFactor)
	fmt.Fprintf(&b, "API requests per month: %s.\n", num(r.Requests))
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note: %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func usd(v float64) string {
	if v > 0 && v < 0.005 {
		return "<0.01"
	}
	return fmt.Sprintf("%.2f", v)
}

// num prints a quantity with three significant figures and thousands
// separators for large values.
func num(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v >= 1000:
		s := fmt.Sprintf("%.0f", v)
		var out []byte
		for i, c := range []byte(s) {
			if i > 0 && (len(s)-i)%3 == 0 {
				out = append(out, ',')
			}
			out = append(out, c)
		}
		return string(out)
	case v >= 10:
		return fmt.Sprintf("%.0f", v)
	case v >= 0.01:
		return fmt.Sprintf("%.3g", v)
	default:
		return fmt.Sprintf("%.2g", v)
	}
}

// Package detect finds contact details, self-advertising and Advertising-Law absolute terms in
// user text (work in progress: see the final doc for the full list of decisions).
package detect

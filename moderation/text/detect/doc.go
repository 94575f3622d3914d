// Package detect finds contact details, self-advertising and Advertising-Law absolute terms.
package detect

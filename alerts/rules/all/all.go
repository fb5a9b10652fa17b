// Package all switches on every registered alert rule type: each file holds one blank import.
package all

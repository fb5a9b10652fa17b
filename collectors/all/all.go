// Package all switches on every collector: each file holds one blank import.
package all

package all

import _ "github.com/overhear/overhear/alerts/rules/mention" // register rule type

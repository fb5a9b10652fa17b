package all

import _ "github.com/overhear/overhear/collectors/discourse" // register collector

package all

import _ "github.com/overhear/overhear/collectors/reddit" // register collector

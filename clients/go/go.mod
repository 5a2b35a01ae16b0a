module github.com/kova-lang/kova/clients/go

go 1.19

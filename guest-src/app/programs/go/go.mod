module unikv.example/programs

go 1.19

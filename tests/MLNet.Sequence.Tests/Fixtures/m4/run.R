# Runs the M4 organisers' Benchmarks() (from "Benchmarks and Evaluation.R", Mcompetitions/M4-methods @6c1067e,
# sourced unchanged from m4functions.R) on an M4 subset and writes every series' forecasts.
args <- commandArgs(trailingOnly = TRUE)
subset <- args[1]; fh <- as.integer(args[2]); frq <- as.integer(args[3]); dir <- args[4]; out <- args[5]
suppressMessages(library(forecast))
source("m4functions.R")
train <- read.csv(file.path(dir, paste0(subset, "-train.csv")), stringsAsFactors = FALSE)
test <- read.csv(file.path(dir, paste0(subset, "-test.csv")), stringsAsFactors = FALSE)
names <- c("Naive", "sNaive", "Naive2", "SES", "Holt", "Damped", "Theta", "Com")
rows <- list()
sm <- matrix(0, length(names), nrow(train)); ms <- sm
for (i in 1:nrow(train)) {
  x <- as.numeric(train[i, -1]); x <- x[!is.na(x)]
  xx <- as.numeric(test[i, -1])
  insample <- ts(x, frequency = frq)
  f <- Benchmarks(input = insample, fh = fh)
  for (j in seq_along(names)) {
    rows[[length(rows) + 1]] <- paste(c(train[i, 1], names[j], sprintf("%.10g", as.numeric(f[[j]]))), collapse = ",")
    sm[j, i] <- mean(smape_cal(xx, f[[j]])); ms[j, i] <- mean(mase_cal(insample, xx, f[[j]]))
  }
}
writeLines(c(paste(c("id", "method", paste0("F", 1:fh)), collapse = ","), unlist(rows)), out)
for (j in seq_along(names)) cat(names[j], "sMAPE", round(mean(sm[j, ]), 3), "MASE", round(mean(ms[j, ]), 3), "\n")

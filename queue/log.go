package queue

import (
	"context"
	"fmt"
	"log/slog"
	"os"
)

// asynqLogger adapts slog to asynq's Logger interface.
type asynqLogger struct{ l *slog.Logger }

// NewAsynqLogger returns an asynq.Logger that writes to l with component=asynq.
func NewAsynqLogger(l *slog.Logger) interface {
	Debug(args ...any)
	Info(args ...any)
	Warn(args ...any)
	Error(args ...any)
	Fatal(args ...any)
} {
	return asynqLogger{l.With(slog.String("component", "asynq"))}
}

func (a asynqLogger) log(level slog.Level, args []any) {
	if !a.l.Enabled(context.Background(), level) {
		return
	}
	a.l.Log(context.Background(), level, "asynq", slog.String("detail", fmt.Sprint(args...)))
}

func (a asynqLogger) Debug(args ...any) { a.log(slog.LevelDebug, args) }
func (a asynqLogger) Info(args ...any)  { a.log(slog.LevelInfo, args) }
func (a asynqLogger) Warn(args ...any)  { a.log(slog.LevelWarn, args) }
func (a asynqLogger) Error(args ...any) { a.log(slog.LevelError, args) }
func (a asynqLogger) Fatal(args ...any) { a.log(slog.LevelError, args); os.Exit(1) }

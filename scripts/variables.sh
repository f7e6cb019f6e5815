# shellcheck shell=bash disable=SC2034 # the variables are used by the files sourcing this one
# tmux-dispatch: the plugin's option names and their defaults (README "Options").
# Sourced by dispatch.tmux and the scripts; defines variables only.

# The key, in the prefix table, that opens the dispatch menu; "none" binds nothing.
dispatch_key_option="@dispatch-key"
dispatch_key_default="D"

# The state file; empty: the helper looks for the nearest .terminal-status.json from the
# session's start directory upwards.
state_file_option="@dispatch-state-file"
state_file_default=""

# Seconds of quiet after which a window with queued work is checked (monitor-silence, >= 1).
silence_option="@dispatch-silence"
silence_default="2"

# on: the alert-silence and pane-mode-changed hooks push work on their own; off: no hooks,
# queue-checks happen only on enqueue/dispatch and from the menu.
auto_option="@dispatch-auto"
auto_default="on"

# Milliseconds between pasting a command and pressing Enter.
enter_delay_option="@dispatch-enter-delay"
enter_delay_default="200"

# A profiles.json of your own (extra or overriding screen profiles); empty: built-in only.
profiles_option="@dispatch-profiles"
profiles_default=""

# The text of #{@dispatch_badge}, in `tmux-dispatch badge --format` codes (%p pending, %y ready,
# %b blocked, %s stuck, %r running, %d done, %f failed, %c cancelled, %% a percent sign);
# empty: the helper's default, "Q:%p R:%r". The helper checks it (a bad one gives the default).
badge_format_option="@dispatch-badge-format"
badge_format_default=""

# A tmux-dispatch binary to use instead of the plugin's own bin/tmux-dispatch (which is built
# on demand); for a helper installed by a package manager, or a test build.
bin_option="@dispatch-bin"
bin_default=""

# Internal: the index of our hooks in the alert-silence and pane-mode-changed arrays. A fixed
# index makes loading twice replace, never add; the user's own hooks at other indexes stay.
dispatch_hook_index="4242"

# Internal user options the plugin sets (read by the scripts and by key/hook commands).
helper_user_option="@dispatch_helper"     # absolute path of the helper binary
dir_user_option="@dispatch_dir"           # absolute path of the plugin directory
message_user_option="@dispatch_message"   # the last load/build report, for show -gv
bound_key_user_option="@dispatch_bound_key" # the key we bound, to unbind it on a change

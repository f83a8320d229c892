#ifndef INITSTACK_CLI_CMD_H
#define INITSTACK_CLI_CMD_H

int cmd_list(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_tree(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_entry(int argc, char **argv);
int cmd_install(int argc, char **argv);
int cmd_remove(int argc, char **argv);
int cmd_dtb(int argc, char **argv);

/* Exit statuses of the read commands. */
enum { EXIT_CLEAN = 0, EXIT_VIOLATION = 1, EXIT_UNREADABLE = 2, EXIT_USAGE = 64 };

#endif

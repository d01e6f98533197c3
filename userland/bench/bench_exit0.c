/* bench_exit0: the process bench_main creates for process_create: it returns at once (exit 0). */
int main(void)
{
    return 0;
}

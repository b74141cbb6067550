/* A shared object with no dcanas entry symbol. */
int not_a_dcanas_module(void);
int not_a_dcanas_module(void) { return 42; }
